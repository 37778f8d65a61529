import { testDocker } from "./docker.test-helpers.js";

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
