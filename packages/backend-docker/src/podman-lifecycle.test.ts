import { afterAll, describe, expect, it } from "vitest";
import { LABEL_CREATED_AT, LABEL_MANAGED_BY } from "./container/container-labels.js";
import { reapExpiredContainers } from "./container/container-reaper.js";
import { text } from "./docker.test-helpers.js";
import { podmanBackend, podmanContainerNames, testPodman } from "./podman.test-helpers.js";

// The container lifecycle (reuse, replace on config change, recreate after removal, reaper) on rootful
// Podman: the same backend code as on Docker, only terminal.docker.host differs.
const names = podmanContainerNames("mc-test-podman-lifecycle");
afterAll(() => names.cleanup());

const inspect = (name: string) =>
  testPodman
    .getContainer(name)
    .inspect()
    .catch((error: { statusCode?: number }) => error.statusCode);

describe("container lifecycle on rootful Podman", () => {
  it("creates a labelled, hardened container from the image Podman stores as localhost/..., and reuses it from a second backend", async () => {
    const name = names.next();
    const first = podmanBackend(name);
    await first.writeFile("kept.txt", "survives a stop");
    const id = await first.ensureContainer();
    await first.dispose();
    const info = await testPodman.getContainer(name).inspect();
    expect(info.Config.Labels[LABEL_MANAGED_BY]).toBe("monoclaw");
    expect(info.HostConfig).toMatchObject({ Init: true, NetworkMode: "none" });
    expect(info.State.Running).toBe(false);

    const second = podmanBackend(name);
    try {
      expect(await second.ensureContainer()).toBe(id);
      expect(text(await second.readFile("kept.txt"))).toBe("survives a stop");
      const result = await second.exec("exit 7");
      expect(result.exitCode).toBe(7);
    } finally {
      await second.dispose();
    }
  });

  it("replaces the container when the configuration changes", async () => {
    const name = names.next();
    const first = podmanBackend(name);
    const before = await first.ensureContainer();
    await first.dispose();
    const messages: string[] = [];
    const second = podmanBackend(name, { pids_limit: 99, log: (m) => messages.push(m) });
    try {
      const after = await second.ensureContainer();
      expect(after).not.toBe(before);
      expect((await testPodman.getContainer(name).inspect()).HostConfig.PidsLimit).toBe(99);
      expect(await inspect(before)).toBe(404);
      expect(messages.join("\n")).toContain(`replacing container ${name}`);
    } finally {
      await second.dispose();
    }
  });

  it("recreates a container removed behind its back and runs the next command in it", async () => {
    const name = names.next();
    const backend = podmanBackend(name);
    try {
      const first = await backend.ensureContainer();
      await testPodman.getContainer(first).remove({ force: true });
      expect(await inspect(first)).toBe(404);
      const result = await backend.exec("echo back");
      expect(text(result.stdout.head)).toBe("back\n");
      const second = await backend.ensureContainer();
      expect(second).not.toBe(first);
      expect((await testPodman.getContainer(second).inspect()).State.Running).toBe(true);
    } finally {
      await backend.dispose();
    }
  });

  it("reaps only our expired stopped containers on Podman, never a running one or an unlabelled one", async () => {
    const old = new Date(Date.now() - 3600_000).toISOString();
    const make = async (labels: Record<string, string>, start: boolean) => {
      const name = names.next();
      const container = await testPodman.createContainer({
        name,
        Image: "monoclaw-test/busybox:latest",
        Cmd: ["sleep", "600"],
        Labels: labels,
        HostConfig: { NetworkMode: "none", Init: true },
      });
      if (start) await container.start();
      return { name, id: container.id };
    };
    const stoppedOurs = await make({ [LABEL_MANAGED_BY]: "monoclaw", [LABEL_CREATED_AT]: old }, true);
    await testPodman.getContainer(stoppedOurs.id).stop({ t: 0 });
    const runningOurs = await make({ [LABEL_MANAGED_BY]: "monoclaw", [LABEL_CREATED_AT]: old }, true);
    const foreign = await make({}, false);
    const mine = (c: { name: string }) => c.name.startsWith(names.base);

    const removed = await reapExpiredContainers(testPodman, { maxAgeSeconds: 1, now: new Date(Date.now() + 60_000), only: mine });
    expect(removed).toContain(stoppedOurs.name);
    expect(await inspect(stoppedOurs.id)).toBe(404);
    expect((await testPodman.getContainer(runningOurs.id).inspect()).State.Running).toBe(true);
    expect((await testPodman.getContainer(foreign.id).inspect()).Id).toBe(foreign.id);
  });
});
