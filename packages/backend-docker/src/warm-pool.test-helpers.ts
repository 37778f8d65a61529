import { createDockerBackend, type DockerBackend, type DockerBackendOptions } from "./docker-backend.js";
import { LABEL_POOL } from "./container/container-labels.js";
import { BUSYBOX, testDocker } from "./docker.test-helpers.js";

/**
 * The warm pool tests give every container they make an env tag
 * (`POOL_TEST=<tag>`), so each file's pool (its config hash) is its own and
 * its containers can be found without knowing their names.
 */
export async function removePoolTestContainers(tag: string): Promise<void> {
  for (const c of await testDocker.listContainers({ all: true })) {
    const info = await testDocker
      .getContainer(c.Id)
      .inspect()
      .catch(() => undefined); // removed meanwhile
    if (info?.Config.Env?.some((e) => e.startsWith(`POOL_TEST=${tag}`)))
      await testDocker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
  }
}

/** A new session backend (`scope: session`, `warm_pool: 1`, busybox, no network) of the pool tagged `tag`. */
export function poolTestSession(tag: string, id: string, options: DockerBackendOptions = {}): DockerBackend {
  return createDockerBackend({
    image: BUSYBOX,
    network: "none",
    pull: "never",
    idle_timeout: 0,
    scope: "session",
    warm_pool: 1,
    env: { POOL_TEST: tag },
    session: { id, resumed: false },
    ...options,
  });
}

/** The running pool-named members (held by a process, or orphaned) of the pool tagged `tag`, with how many execs run in each. */
export async function runningPoolMembers(tag: string): Promise<Array<{ id: string; execs: number }>> {
  const listed = await testDocker.listContainers({ filters: { label: [`${LABEL_POOL}=true`], status: ["running"] } });
  const found: Array<{ id: string; execs: number }> = [];
  for (const c of listed) {
    if (!c.Names[0]?.startsWith("/monoclaw-pool-")) continue;
    const info = await testDocker
      .getContainer(c.Id)
      .inspect()
      .catch(() => undefined); // removed meanwhile
    if (info?.Config.Env?.includes(`POOL_TEST=${tag}`)) found.push({ id: c.Id, execs: (info.ExecIDs ?? []).length });
  }
  return found;
}
