import { afterAll, describe, expect, it } from "vitest";
import type { HealthCheck } from "@monoclaw/core";
import { podmanBackend, podmanContainerNames, ROOTFUL_PODMAN } from "./podman.test-helpers.js";

// terminal.docker.runtime on Podman: its Docker-compatible API (4.3.1) accepts HostConfig.Runtime and drops it, so a
// container asked to run under another runtime runs under Podman's own (runc here). Doctor must not let that pass as an
// isolation tier. (crun is asked for, not runsc: for runsc the backend also sets an nproc ulimit, and any Ulimits in a
// compatible create make Podman add its own nofile=1048576 default, which this machine's hard limit refuses.)
const names = podmanContainerNames("mc-test-podman-runtime");
afterAll(() => names.cleanup());

const byId = (checks: HealthCheck[], id: string) => checks.filter((check) => check.id === id);

/** The OCI runtime libpod says a container runs under (the compatible inspect does not say). */
function ociRuntimeOf(nameOrId: string): Promise<string> {
  return new Promise((resolve, reject) => {
    ROOTFUL_PODMAN.client.modem.dial(
      { path: `/v4.0.0/libpod/containers/${nameOrId}/json`, method: "GET", statusCodes: { 200: true }, options: {} },
      (error: unknown, data: unknown) => (error ? reject(error) : resolve((data as { OCIRuntime: string }).OCIRuntime)),
    );
  });
}

describe("terminal.docker.runtime on Podman", () => {
  it("refuses to run a command, and fails doctor's runtime line, when Podman would run the container under another runtime than the one asked for", async () => {
    // The evidence: a container created through the compatible API with runtime crun runs under runc.
    const probe = names.next();
    await ROOTFUL_PODMAN.client.createContainer({
      name: probe,
      Image: "monoclaw-test/busybox:latest",
      Cmd: ["true"],
      HostConfig: { Runtime: "crun", NetworkMode: "none" },
    });
    expect(await ociRuntimeOf(probe)).toBe("runc");

    const name = names.next();
    const backend = podmanBackend(name, { runtime: "crun" });
    try {
      await expect(backend.exec("true")).rejects.toMatchObject({
        code: "INVALID",
        message: expect.stringContaining("terminal.docker.runtime is crun, but Podman's Docker-compatible API ignores a container's runtime"),
      });
      // Nothing was made under the runtime it would not have had.
      expect(
        await ROOTFUL_PODMAN.client
          .getContainer(name)
          .inspect()
          .then(() => "exists")
          .catch(() => "none"),
      ).toBe("none");
      const line = byId(await backend.healthChecks(), "docker.podman.runtime");
      expect(line).toHaveLength(1);
      expect(line[0]).toMatchObject({ level: "fail" });
      expect(line[0]!.message).toContain("terminal.docker.runtime is crun, but Podman's Docker-compatible API ignores a container's runtime");
      expect(line[0]!.fix).toContain('[engine] runtime = "crun"');
    } finally {
      await backend.dispose();
    }
  });

  it("says nothing about the runtime when it is the one Podman uses anyway (runc), or when none is set", async () => {
    const asked = podmanBackend(names.next(), { runtime: "runc" });
    const unset = podmanBackend(names.next());
    try {
      for (const backend of [asked, unset]) {
        // Positive control: with the runtime Podman really uses (or none), commands run.
        expect((await backend.exec("true")).exitCode).toBe(0);
        const checks = await backend.healthChecks();
        expect(byId(checks, "docker.podman")[0]).toMatchObject({ level: "ok" });
        expect(byId(checks, "docker.podman.runtime")).toEqual([]);
      }
    } finally {
      await asked.dispose();
      await unset.dispose();
    }
  });
});
