import { afterAll, describe, expect, it } from "vitest";
import { LABEL_POOL } from "./container/container-labels.js";
import { createWarmPoolKeeper } from "./container/warm-pool-keeper.js";
import { createDockerBackend, type DockerBackendOptions } from "./docker-backend.js";
import { BUSYBOX, testDocker, text, waitFor } from "./docker.test-helpers.js";
import { removePoolTestContainers } from "./warm-pool.test-helpers.js";

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
  return createDockerBackend({
    image: BUSYBOX,
    network: "none",
    pull: "never",
    idle_timeout: 0,
    scope: "session",
    warm_pool: 1,
    env: { POOL_TEST: tag },
    session: { id, resumed: false },
    forward_env: ["POOL_SECRET"],
    hostEnv: { ...process.env, POOL_SECRET: value },
    ...options,
  });
}

/** The running pool-named member made with this file's env tag. */
async function heldMemberOfThisFile() {
  for (const c of await testDocker.listContainers({ filters: { label: [`${LABEL_POOL}=true`], status: ["running"] } })) {
    if (!c.Names[0]!.startsWith("/monoclaw-pool-")) continue;
    const info = await testDocker
      .getContainer(c.Id)
      .inspect()
      .catch(() => undefined);
    if (info?.Config.Env?.includes(`POOL_TEST=${tag}`)) return c;
  }
  return undefined;
}

/** Every POOL_SECRET value any process in the container has in its environment. */
const ENVIRONMENTS = "cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep '^POOL_SECRET=' | sort -u";

describe("a released member keeps nothing of the process that held it", () => {
  it("never lets another process's session read the holder's forward_env value in a member released at close", async () => {
    const keeper = createWarmPoolKeeper();
    const alice = session(`${tag}-alice`, ALICE, { warmPoolKeeper: keeper });
    await alice.exec("true");
    await keeper.settled();
    const member = await heldMemberOfThisFile();
    // Positive control: the held member's shell carries Alice's value before the release.
    expect((await testDocker.getContainer(member!.Id).inspect()).ExecIDs?.length).toBe(1);
    await alice.dispose();
    await keeper.close();
    await waitFor(async () => (await testDocker.getContainer(member!.Id).inspect()).State.Paused, 10_000, "the member paused");

    const bob = session(`${tag}-bob`, BOB); // no keeper: a new process of another user
    try {
      const seen = text((await bob.exec(ENVIRONMENTS)).stdout.head);
      expect(await bob.ensureContainer()).toBe(member!.Id); // it claimed the released member
      expect(seen).toContain(`POOL_SECRET=${BOB}`); // its own shell is there and readable
      expect(seen).not.toContain(ALICE);
    } finally {
      await bob.dispose();
    }
  }, 60_000);
});
