import { afterAll, describe, expect, it } from "vitest";
import { processesWithArgument, survivingProcesses, uniqueSleepSeconds } from "@monoclaw/core/testing";
import { BUSYBOX, containerNames, testBackend, text, waitFor } from "../docker.test-helpers.js";

// The session kill under gVisor (Debian's runsc 20221219), where /proc/self/comm cannot be renamed:
// the shell protocol's per-command name never sticks, so a subshell the command forked (one that
// never execs a program) is found as the session shell's child started during the command.
const names = containerNames("mc-test-session-kill-runsc");
afterAll(() => names.cleanup());

describe("shell session kill under runsc", () => {
  it("ends a command's forking subshell although gVisor refuses to rename it, and leaves an earlier command's background subshell running", async () => {
    const backend = testBackend(names.next(), { image: BUSYBOX, runtime: "runsc" });
    const session = await backend.openSession();
    try {
      // The difference this test is about: the rename is refused here (on runc it works).
      expect(text((await session.exec("printf x 2>/dev/null >/proc/self/comm && echo renamed || echo refused")).stdout.head)).toBe("refused\n");
      // An earlier command's background subshell (started over the kill's one-second margin before the next command).
      const earlier = Number(text((await session.exec("(while :; do sleep 0.2; done) >/dev/null 2>&1 & echo $!")).stdout.head));
      expect(earlier).toBeGreaterThan(1);
      await session.exec("sleep 1.5");

      const n = uniqueSleepSeconds();
      const startedAt = performance.now();
      // A subshell that forks forever and ignores TERM: unless it is found, no number of KILL rounds ends the stream of sleeps.
      let settled = false;
      const running = session
        .exec(`(trap '' TERM; while :; do (sleep ${n} &); done) >/dev/null 2>&1 &\n(trap '' TERM; exec sleep ${n})`, { timeoutMs: 3000 })
        .finally(() => (settled = true));
      // Positive control: the stream of sleeps is there while the command runs.
      let seen = 0;
      await waitFor(async () => (seen = (await processesWithArgument(backend, n)).length) >= 10 || settled, 10_000, "the forked sleeps");
      expect(settled).toBe(false);
      const result = await running;
      const stopToResolveMs = performance.now() - startedAt - 3000;
      expect(seen).toBeGreaterThanOrEqual(10);
      expect(result.timedOut).toBe(true);
      expect(stopToResolveMs).toBeLessThan(5000);
      expect(await survivingProcesses(backend, n)).toEqual([]);
      // Nothing forks any more: a second look a moment later finds no new sleep either.
      await session.exec("sleep 0.5");
      expect(await processesWithArgument(backend, n)).toEqual([]);
      // Positive control: the earlier command's subshell was not taken for this command's.
      expect(text((await session.exec(`kill -0 ${earlier} && echo alive`)).stdout.head)).toBe("alive\n");
      expect(text((await session.exec("echo usable")).stdout.head)).toBe("usable\n");
    } finally {
      await session.close();
      await backend.dispose();
    }
  });
});
