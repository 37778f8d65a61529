import { describe, expect, it } from "vitest";
import { podmanStartFailure, podmanStartFailureMessage } from "./podman-hints.js";

// The classifier on the engine's own texts, copied from Debian's podman 4.3.1 on the project's machine (each is also
// provoked for real in podman-engine-hints.test.ts, nproc (rlimit type 6) too).
const REAL = {
  init: "container create: container-init binary not found on the host: stat /usr/libexec/podman/catatonit: no such file or directory",
  nofile:
    "runc: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted: OCI permission denied",
  crun: "OCI runtime error: crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2",
};

describe("Podman start failures, from the engine's text", () => {
  it("names the missing init binary with the path Podman looked at and the catatonit fix", () => {
    expect(podmanStartFailure(REAL.init)).toEqual({
      id: "init-binary",
      problem: "Podman has no init binary for the container's init process (it looked for /usr/libexec/podman/catatonit)",
      fix: expect.stringContaining("apt-get install catatonit"),
    });
  });

  it("names the rlimit by its ulimit name (7 is nofile, 6 is nproc) with a default_ulimits that fits", () => {
    const nofile = podmanStartFailure(REAL.nofile)!;
    expect(nofile.id).toBe("ulimits");
    expect(nofile.problem).toContain("more nofile (rlimit type 7)");
    expect(nofile.fix).toContain('default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]');
    expect(podmanStartFailure(REAL.nofile.replace("type 7", "type 6"))!.problem).toContain("more nproc (rlimit type 6)");
    expect(podmanStartFailure(REAL.nofile.replace("type 7", "type 9"))!.problem).toContain("more rlimit type 9");
  });

  it('tells crun on hybrid cgroups to use runtime = "runc"', () => {
    expect(podmanStartFailure(REAL.crun)).toMatchObject({ id: "crun-hybrid-cgroups", fix: expect.stringContaining('[engine] runtime = "runc"') });
  });

  it("leaves any other engine text alone (Docker's no such image, a port clash)", () => {
    expect(podmanStartFailure("No such image: monoclaw-test/missing:1")).toBeUndefined();
    expect(podmanStartFailureMessage("driver failed programming external connectivity: port is already allocated")).toBeUndefined();
    expect(podmanStartFailureMessage(REAL.init)).toMatch(/^Podman has no init binary .*: install Debian's catatonit/);
  });
});
