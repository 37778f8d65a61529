import type Docker from "dockerode";
import { expect } from "vitest";
import { BUSYBOX } from "../docker.test-helpers.js";
import { LABEL_CREATED_AT, LABEL_MANAGED_BY } from "./container-labels.js";
import { reapExpiredContainers } from "./container-reaper.js";

/**
 * The reaper case every engine and runtime runs: of three containers made an
 * hour ago (ours stopped, ours running, an unlabelled one), only ours stopped
 * is removed. `names` gives this file's container names; `hostConfig` adds the
 * engine's or runtime's own settings (e.g. `Runtime: "runsc"`).
 */
export async function expectReaperRemovesOnlyOurStoppedExpired(
  engine: Docker,
  names: { next(): string; base: string },
  hostConfig: Docker.HostConfig = {},
): Promise<void> {
  const old = new Date(Date.now() - 3600_000).toISOString();
  const make = async (labels: Record<string, string>, start: boolean) => {
    const name = names.next();
    const container = await engine.createContainer({
      name,
      Image: BUSYBOX,
      Cmd: ["sleep", "600"],
      Labels: labels,
      HostConfig: { ...hostConfig, NetworkMode: "none", Init: true },
    });
    if (start) await container.start();
    return { name, id: container.id };
  };
  const stoppedOurs = await make({ [LABEL_MANAGED_BY]: "monoclaw", [LABEL_CREATED_AT]: old }, true);
  await engine.getContainer(stoppedOurs.id).stop({ t: 0 });
  const runningOurs = await make({ [LABEL_MANAGED_BY]: "monoclaw", [LABEL_CREATED_AT]: old }, true);
  const foreign = await make({}, false);
  const mine = (c: { name: string }) => c.name.startsWith(names.base);

  const removed = await reapExpiredContainers(engine, { maxAgeSeconds: 1, now: new Date(Date.now() + 60_000), only: mine });
  expect(removed).toContain(stoppedOurs.name);
  expect(
    await engine
      .getContainer(stoppedOurs.id)
      .inspect()
      .then(() => 200)
      .catch((error: { statusCode?: number }) => error.statusCode),
  ).toBe(404);
  expect((await engine.getContainer(runningOurs.id).inspect()).State.Running).toBe(true);
  expect((await engine.getContainer(foreign.id).inspect()).Id).toBe(foreign.id);
}
