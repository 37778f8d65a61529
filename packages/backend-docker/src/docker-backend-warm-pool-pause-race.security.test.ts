import { afterAll, describe, expect, it } from "vitest";
import { createWarmPoolKeeper } from "./container/warm-pool-keeper.js";
import type { DockerBackend } from "./docker-backend.js";
import { testDocker, text } from "./docker.test-helpers.js";
import { poolTestSession, removePoolTestContainers, runningPoolMembers } from "./warm-pool.test-helpers.js";

/**
 * A member one process holds runs, so no other process claims it (they take
 * only paused ones). Someone else pausing it (an operator's `docker pause`
 * of everything) makes it look like a waiting member: another process claims
 * it. The holder must then not hand it to its own next session as well (two
 * sessions in one container). Real engine, `network: none`.
 */
const tag = `mc-test-pauserace-${process.pid}`;
const keeper = createWarmPoolKeeper();
afterAll(async () => {
  await keeper.close();
  await removePoolTestContainers(tag);
});

let counter = 0;
const session = (withKeeper: boolean): DockerBackend => poolTestSession(tag, `${tag}-${++counter}`, withKeeper ? { warmPoolKeeper: keeper } : {});

describe("a held member someone else paused", () => {
  it("never hands a held member another process claimed (after someone paused it) to the holder's next session too", async () => {
    const first = session(true);
    await first.exec("true");
    await keeper.settled();
    await first.dispose();
    const member = (await runningPoolMembers(tag))[0]?.id;
    await testDocker.getContainer(member!).pause(); // not MonoClaw: someone else

    const elsewhere = session(false); // another process: claims the paused member
    const other = session(true); // the holder's next session
    try {
      expect(text((await elsewhere.exec("touch /tmp/elsewhere-was-here; echo claimed")).stdout.head)).toBe("claimed\n");
      expect(await elsewhere.ensureContainer()).toBe(member); // positive control: it did take the held member

      const seen = text((await other.exec("ls /tmp/elsewhere-was-here 2>/dev/null; echo done")).stdout.head);
      expect(seen).toBe("done\n");
      expect(await other.ensureContainer()).not.toBe(member);
      expect((await testDocker.getContainer(member!).inspect()).Name).toBe(`/${elsewhere.containerName}`);
    } finally {
      await Promise.all([elsewhere.dispose(), other.dispose()]);
    }
  }, 60_000);
});
