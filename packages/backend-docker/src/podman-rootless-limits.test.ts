import { afterAll, describe, expect, it } from "vitest";
import { podmanBackend, podmanContainerNames, ROOTFUL_PODMAN, ROOTLESS_PODMAN } from "./podman.test-helpers.js";

// Rootless Podman on this machine's cgroup v1 creates containers without memory, cpus and pids limits (its inspect
// shows 0 for each; README, Podman). The backend cannot enforce them there, so it says so when it creates one.
const rootless = podmanContainerNames("mc-test-podman-limits", ROOTLESS_PODMAN);
const rootful = podmanContainerNames("mc-test-podman-limits", ROOTFUL_PODMAN);
afterAll(async () => {
  await rootless.cleanup();
  await rootful.cleanup();
});

const WARNING = "warning: rootless Podman on cgroup v1 creates containers without memory, cpus and pids_limit";

describe("limits rootless Podman drops", () => {
  it("warns, when it creates a container on rootless Podman with cgroup v1, that its limits are not enforced; the command still runs", async () => {
    const log: string[] = [];
    const backend = podmanBackend(rootless.next(), { pids_limit: 64, log: (message) => log.push(message) }, ROOTLESS_PODMAN);
    try {
      expect((await backend.exec("echo ran")).exitCode).toBe(0);
      expect(log.filter((line) => line.startsWith(WARNING))).toHaveLength(1);
      // The evidence the warning is about: the engine dropped the limit it was given.
      const info = await ROOTLESS_PODMAN.client.getContainer(backend.containerName).inspect();
      expect(info.HostConfig.PidsLimit ?? 0).toBe(0);
    } finally {
      await backend.dispose();
    }
  });

  it("says nothing on rootful Podman, which applies the limits", async () => {
    const log: string[] = [];
    const backend = podmanBackend(rootful.next(), { pids_limit: 64, log: (message) => log.push(message) });
    try {
      expect((await backend.exec("echo ran")).exitCode).toBe(0);
      expect(log.filter((line) => line.startsWith(WARNING))).toEqual([]);
      expect((await ROOTFUL_PODMAN.client.getContainer(backend.containerName).inspect()).HostConfig.PidsLimit).toBe(64);
    } finally {
      await backend.dispose();
    }
  });
});
