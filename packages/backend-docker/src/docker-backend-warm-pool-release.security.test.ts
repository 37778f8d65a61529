import { afterAll, describe, expect, it } from "vitest";
import { createWarmPoolKeeper } from "./container/warm-pool-keeper.js";
import type { DockerBackendOptions } from "./docker-backend.js";
import { testDocker, text, waitFor } from "./docker.test-helpers.js";
import { poolTestSession, removePoolTestContainers, runningPoolMembers } from "./warm-pool.test-helpers.js";

/**
 * A process's held members carry its `forward_env` values in their open
 * shells. At exit (`close`) they are paused for any process's claim, and a
 * process of another user with other values claims them by the config hash
 * alone (the values travel per exec). Nothing of the first process may be
 * left in the member: no process whose environment holds its values. Real
 * engine, `network: none`.
 */
const tag = `mc-test-poolrel-${process.pid}`;
afterAll(() => removePoolTestContainers(tag));

const ALICE = `alice-token-${process.pid}`;
const BOB = `bob-token-${process.pid}`;

function session(id: string, value: string, options: DockerBackendOptions = {}) {
  return poolTestSession(tag, id, { forward_env: ["POOL_SECRET"], hostEnv: { ...process.env, POOL_SECRET: value }, ...options });
}

/** Every POOL_SECRET value any process in the container has in its environment. */
const ENVIRONMENTS = "cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep '^POOL_SECRET=' | sort -u";

describe("a released member keeps nothing of the process that held it", () => {
  it("never lets another process's session read the holder's forward_env value in a member released at close", async () => {
    const keeper = createWarmPoolKeeper();
    const alice = session(`${tag}-alice`, ALICE, { warmPoolKeeper: keeper });
    await alice.exec("true");
    await keeper.settled();
    const [member] = await runningPoolMembers(tag);
    // Positive control: the held member's shell carries Alice's value before the release.
    expect(member?.execs).toBe(1);
    await alice.dispose();
    await keeper.close();
    await waitFor(async () => (await testDocker.getContainer(member!.id).inspect()).State.Paused, 10_000, "the member paused");

    const bob = session(`${tag}-bob`, BOB); // no keeper: a new process of another user
    try {
      const seen = text((await bob.exec(ENVIRONMENTS)).stdout.head);
      expect(await bob.ensureContainer()).toBe(member!.id); // it claimed the released member
      expect(seen).toContain(`POOL_SECRET=${BOB}`); // its own shell is there and readable
      expect(seen).not.toContain(ALICE);
    } finally {
      await bob.dispose();
    }
  }, 60_000);
});
