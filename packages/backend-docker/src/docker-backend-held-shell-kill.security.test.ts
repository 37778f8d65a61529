import { afterAll, describe, expect, it } from "vitest";
import { createWarmPoolKeeper } from "./container/warm-pool-keeper.js";
import type { DockerBackend } from "./docker-backend.js";
import { LABEL_POOL } from "./container/container-labels.js";
import { containerProcesses, testDocker, waitFor } from "./docker.test-helpers.js";
import { poolTestSession, removePoolTestContainers } from "./warm-pool.test-helpers.js";

/**
 * A session's first commands run in the shell a warm pool member held open
 * (its run marker was chosen before any session existed). A command that
 * times out there must still leave no process behind: the kill finds the
 * held shell's children by that marker. Real engine, `network: none`.
 */
const tag = `mc-test-heldkill-${process.pid}`;
const keeper = createWarmPoolKeeper();
afterAll(async () => {
  await keeper.close();
  await removePoolTestContainers(tag);
});

let counter = 0;
const session = (): DockerBackend => poolTestSession(tag, `${tag}-${++counter}`, { warmPoolKeeper: keeper });

describe("a timed-out command in an adopted held shell", () => {
  it("never leaves a timed-out command's processes running in a claimed member's held shell", async () => {
    const first = session();
    await first.exec("true");
    await keeper.settled();
    await first.dispose();

    const claimed = session();
    try {
      const running = claimed.exec("sleep 301 & sleep 302", { timeoutMs: 4000 });
      const id = await claimed.ensureContainer();
      expect((await testDocker.getContainer(id).inspect()).Config.Labels?.[LABEL_POOL]).toBe("true"); // a claimed member
      // Positive control: both sleeps run (the command really started them) before the timeout.
      await waitFor(
        async () => {
          const processes = (await containerProcesses(id)).join("\n");
          return processes.includes("sleep 301") && processes.includes("sleep 302");
        },
        10_000,
        "the command's sleeps",
      );
      const result = await running;
      expect(result.timedOut).toBe(true);
      await waitFor(async () => !/sleep 30[12]/.test((await containerProcesses(id)).join("\n")), 10_000, "the sleeps killed");
      expect((await containerProcesses(id)).join("\n")).not.toMatch(/sleep 30[12]/);
    } finally {
      await claimed.dispose();
    }
  }, 60_000);
});
