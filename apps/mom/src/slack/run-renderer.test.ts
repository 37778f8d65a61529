import { webApi } from "@slack/bolt";
import { type FakeSlack, startFakeSlack } from "@monoclaw/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunRenderer } from "./run-renderer.js";
import { SlackOutput } from "./slack-output.js";

// The renderer and SlackOutput with the real Slack Web API client against the fake Slack.

let fake: FakeSlack;
let out: SlackOutput;
const logs: string[] = [];

beforeEach(async () => {
  fake = await startFakeSlack();
  fake.addChannel({ id: "CGENERAL", name: "general" });
  const client = new webApi.WebClient(fake.botToken, { slackApiUrl: fake.apiUrl });
  out = new SlackOutput(
    client,
    (text) => text.replaceAll("pw&<secret", "[REDACTED:DB_PASSWORD]"),
    (m) => logs.push(m),
  );
});
afterEach(() => fake.close());

const sentTexts = () => fake.calls.filter((c) => c.method === "chat.postMessage" || c.method === "chat.update").map((c) => String(c.args.text));

describe("RunRenderer output in Slack", () => {
  it("escapes tool names, titles and output, retry reasons and the error in the answer, while its own status markup stays formatted", async () => {
    const renderer = new RunRenderer(out, { place: { channel: "CGENERAL" }, throttleMs: 10 });
    renderer.start();
    renderer.onEvent({ type: "text-delta", text: "Looking at <!here> **now**" });
    renderer.onEvent({ type: "tool-start", toolCallId: "1", toolName: "bash", input: {}, title: "cat <!channel>.txt" });
    renderer.onEvent({
      type: "tool-end",
      toolCallId: "1",
      toolName: "<!everyone>",
      isError: false,
      output: "<@U123>\n```\n<#C1> pw&<secret",
      durationMs: 1200,
      exitCode: 0,
    });
    renderer.onEvent({ type: "retry", attempt: 1, delayMs: 1000, reason: "overloaded <!here>" });
    const rendered = await renderer.finish("<@U123> partial answer\n\n_Something went wrong: upstream said <https://evil.example|https://slack.com>_");

    const main = fake.botMessages("CGENERAL").find((m) => m.ts === rendered.mainTs);
    expect(main?.text).toBe("&lt;@U123&gt; partial answer\n\n_Something went wrong: upstream said &lt;https://evil.example|https://slack.com&gt;_");
    const [tool, retry] = fake.threadReplies("CGENERAL", rendered.mainTs!).map((m) => m.text ?? "");
    expect(tool).toBe("*&lt;!everyone&gt;* `cat &lt;!channel&gt;.txt` (exit 0, 1.2 s)\n```\n&lt;@U123&gt;\n`\u200b``\n&lt;#C1&gt; [REDACTED:DB_PASSWORD]\n```");
    expect(retry).toBe("_The model call failed (overloaded &lt;!here&gt;); retry 1 in 1 s._");

    const texts = sentTexts();
    expect(texts[0]).toBe("_Working on it…_"); // positive control: its own status line is sent as formatted mrkdwn
    for (const text of texts) {
      expect(text).not.toMatch(/<[!@#h]/);
      expect(text).not.toContain("secret");
    }
  });

  it("turns an upload's title into inert text", async () => {
    expect(await out.upload({ channel: "CGENERAL" }, "r.txt", new TextEncoder().encode("<!here>"), "<!channel> r\u202e")).toBe(true);
    const upload = [...fake.uploads.values()][0];
    expect(upload?.title).toBe("&lt;!channel&gt; r");
    expect(upload?.bytes.toString()).toBe("<!here>");
  });

  it("coalesces progress updates to the latest while Slack answers slowly, instead of queueing one per interval", async () => {
    fake.delayResponses(["chat.update"], 400);
    const renderer = new RunRenderer(out, { place: { channel: "CGENERAL" }, throttleMs: 10 });
    renderer.start();
    const started = Date.now();
    for (let i = 0; i < 150; i++) {
      renderer.onEvent({ type: "text-delta", text: ` word${i}` });
      await new Promise((r) => setTimeout(r, 10));
    }
    const streamedFor = Date.now() - started;
    await fake.waitFor(() => fake.callsOf("chat.update").some((c) => String(c.args.text).includes("word149")), {
      description: "a progress update showing the newest text",
    });
    const progress = fake.callsOf("chat.update").length;
    const rendered = await renderer.finish("All done.");
    expect(fake.botMessages("CGENERAL").find((m) => m.ts === rendered.mainTs)?.text).toBe("All done.");
    // One update in flight and at most one waiting: about one per Slack answer, not one per 10 ms.
    expect(progress).toBeGreaterThanOrEqual(2);
    expect(progress).toBeLessThanOrEqual(Math.ceil(streamedFor / 400) + 3);
  });
});
