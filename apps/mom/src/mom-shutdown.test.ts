import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { step } from "@monoclaw/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { answersAMention, type SpawnedMom, spawnMom } from "./mom-process.test-helpers.js";
import { createHarness, type MomHarness, until } from "./mom.test-helpers.js";

// mom as users run her: the built `mom` binary in its own process, the real
// @slack/bolt client against the fake Slack, the real host backend. A stop
// signal must end her within a few seconds whatever Slack does.

/** Generous for a loaded CI machine; mom's own budget is about 3 s (STOP_GRACE_MS in slack/mom-bot.ts). */
const EXIT_BOUND_MS = 8000;

let harness: MomHarness | undefined;
let mom: SpawnedMom | undefined;
afterEach(async () => {
  mom?.kill();
  mom = undefined;
  await harness?.close();
  harness = undefined;
});

/** Sends the signal and returns how long the process took to exit, and how. */
async function stopWith(mom: SpawnedMom, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const sent = Date.now();
  mom.process.kill(signal);
  const bound = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`mom did not exit within ${EXIT_BOUND_MS * 2} ms of ${signal}; stderr:\n${mom.stderr()}`)), EXIT_BOUND_MS * 2).unref(),
  );
  const exit = await Promise.race([mom.exited, bound]);
  return { code: exit.code, signal: exit.signal, ms: exit.at - sent };
}

/** A process is gone when /proc has no entry for it or it is a zombie waiting to be reaped. */
async function processGone(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat === undefined || / Z /.test(stat.slice(stat.lastIndexOf(")")));
}

/**
 * Asks mom for a run whose command sleeps a minute (by default `exec sleep
 * 60`; `body` replaces it); resolves with the command's pid once it runs.
 */
async function startSleepingRun(h: MomHarness, body = "exec sleep 60"): Promise<number> {
  const pidFile = join(h.home, "sleep.pid");
  h.model.enqueue(step.toolCall("bash", { command: `sh -c 'echo $$ > ${pidFile}; ${body}'` }), step.text("Slept."));
  h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> sleep a minute" });
  let pid = 0;
  await until(async () => {
    pid = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
    return pid > 0 && !(await processGone(pid));
  }, "the sleep command to run");
  return pid;
}

const outages = {
  "the fake Slack server is stopped": (h: MomHarness) => h.fake.close(),
  "Slack holds every request unanswered": (h: MomHarness) => h.fake.stopAnswering(),
} as const;

describe("mom stops within seconds whatever Slack does", () => {
  for (const [outage, cause] of Object.entries(outages)) {
    it(`exits cleanly within ${EXIT_BOUND_MS / 1000} s of SIGTERM when ${outage}`, async () => {
      harness = await createHarness([step.text("Hello from mom.")]);
      mom = await spawnMom(harness);
      await answersAMention(harness, "hello", "Hello from mom."); // positive control: before the outage she answers
      await cause(harness);
      await new Promise((r) => setTimeout(r, 1500)); // let bolt notice and start reconnecting or waiting
      const exit = await stopWith(mom!, "SIGTERM");
      expect(exit, mom!.stderr()).toMatchObject({ code: 0, signal: null });
      expect(exit.ms).toBeLessThan(EXIT_BOUND_MS);
      expect(mom!.stderr()).toContain("SIGTERM received, stopping");
    });

    it(`ends a running command and exits within ${EXIT_BOUND_MS / 1000} s of SIGTERM when ${outage}`, async () => {
      harness = await createHarness([step.text("Hello from mom.")]);
      mom = await spawnMom(harness);
      await answersAMention(harness, "hello", "Hello from mom.");
      const pid = await startSleepingRun(harness);
      await cause(harness);
      const exit = await stopWith(mom!, "SIGTERM");
      expect(exit, mom!.stderr()).toMatchObject({ code: 0, signal: null });
      expect(exit.ms).toBeLessThan(EXIT_BOUND_MS);
      expect(await processGone(pid)).toBe(true);
    });
  }

  it("posts the stopped run's answer during the grace when Slack answers, and ends its command", async () => {
    harness = await createHarness([step.text("Hello from mom.")]);
    mom = await spawnMom(harness);
    await answersAMention(harness, "hello", "Hello from mom.");
    const pid = await startSleepingRun(harness);
    const exit = await stopWith(mom!, "SIGTERM");
    expect(exit, mom!.stderr()).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(EXIT_BOUND_MS);
    expect(await processGone(pid)).toBe(true);
    expect(harness.fake.botMessages("CGENERAL").some((m) => m.text.includes("Stopped: the running command was ended."))).toBe(true);
  });

  it("ends a command that ignores SIGTERM and exits within 8 s of SIGTERM while Slack holds every request unanswered", async () => {
    harness = await createHarness([step.text("Hello from mom.")]);
    mom = await spawnMom(harness);
    await answersAMention(harness, "hello", "Hello from mom.");
    const pid = await startSleepingRun(harness, `trap "" TERM; while :; do sleep 1; done`);
    harness.fake.stopAnswering();
    const exit = await stopWith(mom, "SIGTERM");
    expect(exit, mom.stderr()).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(EXIT_BOUND_MS);
    expect(await processGone(pid)).toBe(true);
  });

  it("exits at once on a second signal while the first stop still waits for Slack", async () => {
    harness = await createHarness([step.text("Hello from mom.")]);
    mom = await spawnMom(harness);
    await answersAMention(harness, "hello", "Hello from mom.");
    await startSleepingRun(harness);
    harness.fake.stopAnswering();
    mom!.process.kill("SIGTERM");
    await until(() => mom!.stderr().includes("SIGTERM received"), "the first signal to be seen");
    const exit = await stopWith(mom!, "SIGINT");
    expect(exit.ms).toBeLessThan(1500);
    expect(exit.code).toBe(130);
    expect(mom!.stderr()).toContain("SIGINT received again, exiting now");
  });
});
