import { webApi } from "@slack/bolt";
import { type FakeSlack, startFakeSlack } from "@monoclaw/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunRenderer } from "./run-renderer.js";
import { SlackOutput } from "./slack-output.js";

let fake: FakeSlack;
let out: SlackOutput;

beforeEach(async () => {
  fake = await startFakeSlack();
  fake.addChannel({ id: "CGENERAL", name: "general" });
  const client = new webApi.WebClient(fake.botToken, { slackApiUrl: fake.apiUrl });
  out = new SlackOutput(
    client,
    (text) => text,
    () => undefined,
  );
});
afterEach(() => fake.close());

async function toolDetail(end: { output: string; omittedBytes?: number }): Promise<string> {
  const renderer = new RunRenderer(out, { place: { channel: "CGENERAL" }, throttleMs: 10 });
  renderer.start();
  renderer.onEvent({ type: "tool-start", toolCallId: "1", toolName: "bash", input: {}, title: "big" });
  renderer.onEvent({ type: "tool-end", toolCallId: "1", toolName: "bash", isError: false, durationMs: 10, exitCode: 0, ...end });
  const rendered = await renderer.finish("done");
  return fake.threadReplies("CGENERAL", rendered.mainTs!)[0]?.text ?? "";
}

describe("mom's tool detail", () => {
  it("counts what the tool had already left out of a 52 MB output, not only its own cut of the summary", async () => {
    // What the bash tool hands on for 52 MB: about 50 KB of head and tail, 52 MB minus that left out.
    const summary = `${"h".repeat(100)}\n`.repeat(250) + "[... 54474752 bytes omitted ...]\n" + `${"t".repeat(100)}\n`.repeat(250);
    const text = await toolDetail({ output: summary, omittedBytes: 54_474_752 });
    const count = Number(/… (\d+) characters \(\d+\+ lines\) left out …/.exec(text)?.[1]);
    expect(count).toBeGreaterThan(54_474_752);
    expect(count).toBeLessThan(54_474_752 + summary.length);
  });

  it("counts only its own cut when the tool left nothing out (positive control)", async () => {
    const output = `${"x".repeat(99)}\n`.repeat(100);
    const text = await toolDetail({ output });
    const count = Number(/… (\d+) characters \(\d+ lines\) left out …/.exec(text)?.[1]);
    expect(count).toBeGreaterThan(output.length - 1500);
    expect(count).toBeLessThan(output.length);
  });
});
