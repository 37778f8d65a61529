import { rssGrowthBound, samplePeakRss, step } from "@monoclaw/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { answersAMention, type SpawnedMom, spawnMom } from "./mom-process.test-helpers.js";
import { createHarness, type MomHarness } from "./mom.test-helpers.js";

// mom in her own process (the built binary, the real @slack/bolt client, the
// host backend) while Slack answers slowly: her memory stays bounded and the
// channel is answered in the end.

/** The stated bound: mom's peak memory above her level after a first answer, whatever Slack's pace. */
const MAX_GROWTH_BYTES = rssGrowthBound();
const SLACK_DELAY_MS = 1500;

let harness: MomHarness | undefined;
let mom: SpawnedMom | undefined;
afterEach(async () => {
  mom?.kill();
  mom = undefined;
  await harness?.close();
  harness = undefined;
});

describe("mom with a slow Slack", () => {
  it("stays within the stated bound (64 MiB on Node 20, 128 MiB from Node 22) of her idle level while a command prints 1 GiB, the model streams, and Slack takes 1.5 s per post and update; the channel is answered", async () => {
    harness = await createHarness([step.text("Hello from mom.")]);
    const h = harness;
    mom = await spawnMom(h);
    await answersAMention(h, "hello", "Hello from mom."); // positive control, and her idle level after one run
    const sampler = samplePeakRss(mom.process.pid!);
    const idle = sampler.peak;
    expect(idle).toBeGreaterThan(0);

    h.fake.delayResponses(["chat.postMessage", "chat.update"], SLACK_DELAY_MS);
    h.model.enqueue(
      // Many small text chunks: a progress update is due every throttle interval while Slack is still busy with the last one.
      { text: `Printing a lot. ${"word ".repeat(400)}`, chunkSize: 8, chunkDelayMs: 5, toolCalls: [{ name: "bash", input: { command: "yes | head -c 1G" } }] },
      step.text("Printed a gigabyte."),
    );
    const updatesBefore = h.fake.callsOf("chat.update").length;
    const asked = Date.now();
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> print a gigabyte" });
    const answer = await h.fake.waitFor(() => h.fake.botMessages("CGENERAL").find((m) => m.text === "Printed a gigabyte."), {
      description: "the answer after the flood",
      timeoutMs: 180_000,
    });
    const peak = sampler.stop();
    const tookMs = Date.now() - asked;

    const detail = await h.fake.waitFor(() => h.fake.threadReplies("CGENERAL", answer.ts).find((m) => m.text.includes("yes | head -c 1G")), {
      description: "the command's reply in the thread",
    });
    expect(detail.text).toContain("(exit 0");
    expect(h.model.requests[2]?.toolResults.at(-1)?.content).toContain("y\ny\n"); // the gigabyte went through the backend
    // Updates coalesce: about one per slow answer, not one per throttle interval.
    expect(h.fake.callsOf("chat.update").length - updatesBefore).toBeLessThanOrEqual(Math.ceil(tookMs / SLACK_DELAY_MS) + 3);
    expect(peak - idle).toBeLessThan(MAX_GROWTH_BYTES);
  }, 240_000);
});
