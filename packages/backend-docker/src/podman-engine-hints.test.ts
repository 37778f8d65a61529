import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HealthCheck } from "@monoclaw/core";
import { text } from "./docker.test-helpers.js";
import { podmanBackend } from "./podman.test-helpers.js";
import { createPodmanStore, hardLimit, type PodmanSettings, startOwnPodman } from "./podman-service.test-helpers.js";

// Each setting that breaks Debian's podman 4.3.1 on this machine, provoked for real: a Podman API service of this
// file's own (own socket, store and containers.conf under a temp dir) started with that one setting wrong. The
// backend's error and doctor's line name the problem and the fix instead of the engine's raw text.
// Made in beforeAll, not at import: collecting the file (vitest list) must not leave a store behind.
let store: ReturnType<typeof createPodmanStore> | undefined;
beforeAll(() => {
  store = createPodmanStore();
});
afterAll(() => store?.remove());

const byId = (checks: HealthCheck[], id: string) => checks.filter((check) => check.id === id);

/** Runs `body` against a service of this file's own with `settings`, and ends the service after. */
async function withOwnPodman(settings: PodmanSettings, body: (host: string) => Promise<void>): Promise<void> {
  const service = await startOwnPodman(store!.dir, settings);
  try {
    await body(service.host);
  } finally {
    await service.stop();
  }
}

/** A command's failure on that service, and doctor's Podman line there. */
async function failureAndDoctor(host: string): Promise<{ error: Error; podman: HealthCheck; engine: HealthCheck }> {
  const backend = podmanBackend("mc-test-podman-hints", { host });
  try {
    const error = (await backend.exec("echo never").then(
      () => new Error("the command ran"),
      (e: Error) => e,
    )) as Error;
    const checks = await backend.healthChecks();
    return { error, podman: byId(checks, "docker.podman")[0]!, engine: byId(checks, "docker.engine")[0]! };
  } finally {
    await backend.dispose();
  }
}

describe("Podman's host settings that break it, provoked on a Podman service of the test's own", () => {
  it("starts the container and answers when containers.conf fits the machine (positive control for the failures below)", async () => {
    await withOwnPodman({}, async (host) => {
      const backend = podmanBackend("mc-test-podman-hints", { host });
      try {
        expect(text((await backend.exec("echo fits")).stdout.head)).toBe("fits\n");
        const checks = await backend.healthChecks();
        expect(byId(checks, "docker.engine")[0]!.message).toMatch(/^Podman Engine 4\.\S+ \(rootful, runtime runc\) \(API 1\.\d+\) at unix:\/\//);
        expect(byId(checks, "docker.podman")[0]).toMatchObject({ level: "ok" });
        expect(checks.filter((check) => check.level === "fail")).toEqual([]);
      } finally {
        await backend.dispose();
      }
    });
  });

  it("says to install catatonit, not the engine's raw text, when Podman has no init binary (container-init binary not found)", async () => {
    await withOwnPodman({ hideInitBinary: true }, async (host) => {
      const { error, podman, engine } = await failureAndDoctor(host);
      expect(error).toMatchObject({ name: "BackendError", code: "UNAVAILABLE" });
      expect(error.message).toContain("Podman has no init binary for the container's init process (it looked for /usr/libexec/podman/catatonit)");
      expect(error.message).toContain("apt-get install catatonit");
      expect(error.message).not.toContain("container create:");
      expect(engine).toMatchObject({ level: "ok" });
      expect(podman).toMatchObject({ level: "fail" });
      expect(podman.message).toContain("Podman has no init binary");
      expect(podman.fix).toContain("apt-get install catatonit");
    });
  });

  it("says to fit containers.conf default_ulimits to `ulimit -Hn` when Podman's ulimits exceed the hard limit (error setting rlimit type 7)", async () => {
    const above = hardLimit("open files") + 1;
    await withOwnPodman({ defaultUlimits: [`nofile=${above}:${above}`, "nproc=4096:4096"] }, async (host) => {
      const { error, podman } = await failureAndDoctor(host);
      expect(error).toMatchObject({ name: "BackendError", code: "UNAVAILABLE" });
      expect(error.message).toContain("Podman's default ulimits ask for more nofile (rlimit type 7) than the engine host's hard limit allows");
      expect(error.message).toContain('default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]');
      expect(error.message).not.toContain("OCI permission denied");
      expect(podman).toMatchObject({ level: "fail" });
      expect(podman.fix).toContain("ulimit -Hn");
    });
  });

  it("names nproc the same way when Podman's default process ulimit exceeds `ulimit -Hu` (error setting rlimit type 6)", async () => {
    const above = hardLimit("processes") + 1;
    await withOwnPodman({ defaultUlimits: ["nofile=20000:20000", `nproc=${above}:${above}`] }, async (host) => {
      const { error, podman } = await failureAndDoctor(host);
      expect(error).toMatchObject({ name: "BackendError", code: "UNAVAILABLE" });
      expect(error.message).toContain("Podman's default ulimits ask for more nproc (rlimit type 6) than the engine host's hard limit allows");
      expect(podman).toMatchObject({ level: "fail" });
      expect(podman.fix).toContain("ulimit -Hu");
    });
  });

  it('says to set runtime = "runc" when crun refuses this machine\'s hybrid cgroups', async () => {
    await withOwnPodman({ runtime: "crun" }, async (host) => {
      const { error, podman, engine } = await failureAndDoctor(host);
      expect(engine.message).toContain("(rootful, runtime crun)");
      expect(error).toMatchObject({ name: "BackendError", code: "UNAVAILABLE" });
      expect(error.message).toContain("crun refuses this host's hybrid cgroups");
      expect(error.message).toContain('runtime = "runc"');
      expect(podman).toMatchObject({ level: "fail" });
      expect(podman.fix).toContain('runtime = "runc"');
    });
  });
});
