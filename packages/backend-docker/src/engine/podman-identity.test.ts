import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { describePodman, identifyPodman, isPodmanVersion, podmanIgnoresLimits } from "./podman-identity.js";

// Against the real engines of this machine: the Docker engine, rootful Podman and rootless Podman (scripts/ensure-podman.sh).
const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const rootful = new Docker({ socketPath: "/run/podman/podman.sock" });
const rootless = new Docker({ socketPath: "/run/user/1001/podman/podman.sock" });

describe("which engine answers the Docker API", () => {
  it("is not Podman for the Docker engine (positive control: it answers /version)", async () => {
    expect((await docker.version()).Version).toMatch(/^\d+\./);
    expect(await identifyPodman(docker)).toBeUndefined();
  });

  it("is rootful Podman on /run/podman/podman.sock, with its version, cgroup version and runtime", async () => {
    const podman = await identifyPodman(rootful);
    expect(podman).toMatchObject({ version: expect.stringMatching(/^4\./), rootless: false, cgroupVersion: "v1", ociRuntime: "runc" });
    expect(describePodman(podman!)).toMatch(/^Podman Engine 4\.\S+ \(rootful, runtime runc\)$/);
    expect(podmanIgnoresLimits(podman)).toBe(false);
  });

  it("is rootless Podman on the user's socket, which on cgroup v1 drops resource limits", async () => {
    const podman = await identifyPodman(rootless);
    expect(podman).toMatchObject({ rootless: true, cgroupVersion: "v1" });
    expect(describePodman(podman!)).toContain("(rootless, runtime runc)");
    expect(podmanIgnoresLimits(podman)).toBe(true);
  });

  it("reads Podman from /version's components or platform name, never from the version number", () => {
    expect(isPodmanVersion({ Components: [{ Name: "Engine" }, { Name: "containerd" }] })).toBe(false);
    expect(isPodmanVersion({ Components: [{ Name: "Podman Engine", Version: "4.3.1" }] })).toBe(true);
    expect(isPodmanVersion({ Platform: { Name: "Podman Engine" } })).toBe(true);
    expect(isPodmanVersion({ Version: "4.3.1" })).toBe(false);
  });
});
