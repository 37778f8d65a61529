import { step } from "@monoclaw/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { createHarness, type MomHarness } from "./mom.test-helpers.js";

// mom end to end (real @slack/bolt against the fake Slack, the real AI SDK
// client against the scripted model server, the host backend): whatever the
// model or a tool writes reaches Slack escaped, so it never mentions anyone or
// hides a link in mom's own message; mom's own mention markup stays live.

let harness: MomHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const LIVE_MARKUP = ["<!channel>", "<!here>", "<!everyone>", "<@UALICE>", "<#CRANDOM>", "<!subteam^S1>", "<https://evil"];

describe("mom escapes what the model and tools write", () => {
  it("never posts the model's <!channel> or masked link, a tool's <!here>, or an attach title's mention live, while her own <@mom> stays live", async () => {
    harness = await createHarness([
      step.toolCall("bash", {
        command:
          "printf '%s\\n' '<!here> from the tool' '<@UALICE> <#CRANDOM> <!subteam^S1>' '<https://evil.example|https://slack.com>' | tee report.txt; sleep 3",
      }),
      step.toolCall("attach", { path: "CGENERAL/scratch/report.txt", title: "<!channel> report" }),
      step.text("<!channel> see <https://evil.example|https://slack.com> and **done** at https://example.com/ok"),
      step.text("Second answer."),
    ]);
    const h = harness;
    await h.start(["--sandbox=host", h.dataDir]);
    const { fake } = h;
    const bot = fake.botUser.id;

    fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: `<@${bot}> run the report` });
    // A second request while the first runs: mom's queued note carries her own live mention.
    await fake.waitFor(() => h.model.requests.length >= 1 && fake.botMessages("CGENERAL").length >= 1, { description: "the first run to start" });
    fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: `<@${bot}> and then this` });

    const answer = "&lt;!channel&gt; see &lt;https://evil.example|https://slack.com&gt; and *done* at https://example.com/ok";
    const main = await fake.waitFor(() => fake.botMessages("CGENERAL").find((m) => m.text === answer), { description: "the escaped answer" });
    await fake.waitFor(() => fake.botMessages("CGENERAL").find((m) => m.text === "Second answer."), { description: "the queued request's answer" });

    const details = fake.threadReplies("CGENERAL", main.ts).map((m) => m.text ?? "");
    const bash = details.find((text) => text.startsWith("*bash*"));
    expect(bash).toContain("&lt;!here&gt; from the tool");
    expect(bash).toContain("&lt;@UALICE&gt; &lt;#CRANDOM&gt; &lt;!subteam^S1&gt;");
    expect(bash).toContain("&lt;https://evil.example|https://slack.com&gt;");
    const upload = [...fake.uploads.values()].find((u) => u.filename === "report.txt");
    expect(upload?.title).toBe("&lt;!channel&gt; report");
    expect(upload?.bytes.toString()).toContain("<!here> from the tool"); // the file itself is shared unchanged

    // Nothing mom sent anywhere (posts, updates, upload titles) carries live markup from the model or a tool ...
    const sent = fake.calls.filter((c) => c.method.startsWith("chat.") || c.method.startsWith("files."));
    expect(sent.length).toBeGreaterThan(3);
    for (const call of sent) for (const markup of LIVE_MARKUP) expect(JSON.stringify(call.args)).not.toContain(markup);

    // ... while her own mention markup is still live (positive control).
    const queued = fake.botMessages("CGENERAL").find((m) => m.text?.startsWith("Queued:"));
    expect(queued?.text).toContain(`(<@${bot}> stop ends the running one)`);
  });
});
