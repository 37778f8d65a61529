import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { LABEL_CREATED_AT, LABEL_MANAGED_BY } from "./container-labels.js";
import { listManagedContainers, reapExpiredContainers } from "./container-reaper.js";

const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const PREFIX = `mc-test-reaper-${process.pid}-`;

async function make(suffix: string, labels: Record<string, string>, start: boolean) {
  const container = await docker.createContainer({
    name: PREFIX + suffix,
    Image: "monoclaw-test/busybox:latest",
    Cmd: ["sleep", "600"],
    Labels: labels,
    HostConfig: { NetworkMode: "none", Init: true },
  });
  if (start) await container.start();
  return container;
}

const mine = (container: { name: string }) => container.name.startsWith(PREFIX);
const exists = async (id: string) =>
  (await docker
    .getContainer(id)
    .inspect()
    .catch(() => undefined)) !== undefined;

afterAll(async () => {
  const all = await docker.listContainers({ all: true });
  await Promise.all(
    all
      .filter((c) => c.Names.some((n) => n.startsWith(`/${PREFIX}`)))
      .map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
  );
});

describe("reaping by label (real engine)", () => {
  it("removes our expired stopped and stuck containers, never running ones or unlabelled ones", async () => {
    const ours = { [LABEL_MANAGED_BY]: "monoclaw" };
    const old = new Date(Date.now() - 3600_000).toISOString();
    const stoppedOurs = await make("stopped-ours", { ...ours, [LABEL_CREATED_AT]: old }, true);
    await stoppedOurs.stop({ t: 0 });
    // Two minutes in `created`: past this call's grace, within the 10-minute default that any other
    // MonoClaw process reaping this engine right now uses (it would take it first and the list would lack it).
    const stuckOurs = await make("created-ours", { ...ours, [LABEL_CREATED_AT]: new Date(Date.now() - 120_000).toISOString() }, false);
    const runningOurs = await make("running-ours", { ...ours, [LABEL_CREATED_AT]: old }, true);
    const stoppedForeign = await make("stopped-foreign", { "some.other.label": "monoclaw" }, true);
    await stoppedForeign.stop({ t: 0 });
    const createdForeign = await make("created-foreign", {}, false);
    const lookalike = await make("lookalike", { [LABEL_MANAGED_BY]: "not-monoclaw" }, false);

    // A stop "in the future" of max_age: everything stopped counts as expired.
    const removed = await reapExpiredContainers(docker, { maxAgeSeconds: 1, createdGraceSeconds: 60, now: new Date(Date.now() + 60_000), only: mine });
    expect(removed).toEqual(expect.arrayContaining([PREFIX + "stopped-ours", PREFIX + "created-ours"]));
    expect(await exists(stoppedOurs.id)).toBe(false);
    expect(await exists(stuckOurs.id)).toBe(false);
    expect(await exists(runningOurs.id)).toBe(true);
    expect(await exists(stoppedForeign.id)).toBe(true);
    expect(await exists(createdForeign.id)).toBe(true);
    expect(await exists(lookalike.id)).toBe(true);
    expect(removed.some((name) => !name.endsWith("-ours"))).toBe(false);
  });

  it("keeps recently stopped containers for reuse and lists only ours", async () => {
    const recent = await make("recent-ours", { [LABEL_MANAGED_BY]: "monoclaw", [LABEL_CREATED_AT]: new Date().toISOString() }, true);
    await recent.stop({ t: 0 });
    const removed = await reapExpiredContainers(docker, { maxAgeSeconds: 3600, only: mine });
    expect(removed).not.toContain(PREFIX + "recent-ours");
    expect(await exists(recent.id)).toBe(true);
    const listed = (await listManagedContainers(docker)).map((c) => c.name);
    expect(listed).toContain(PREFIX + "recent-ours");
    expect(listed.filter((name) => name.startsWith(PREFIX) && /foreign|lookalike/.test(name))).toEqual([]);
  });
});
