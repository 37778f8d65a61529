import { afterAll, describe, expect, it } from "vitest";
import { BUSYBOX, containerNames, testBackend, testDocker, text } from "../docker.test-helpers.js";
import { probeFailureFix, runtimeHealthChecks } from "./isolation-runtime.js";

// terminal.docker.runtime against the real engine, with Debian's runsc registered by scripts/ensure-runtimes.sh.
const names = containerNames("mc-test-runtime");
afterAll(() => names.cleanup());

const hostKernel = async () => ((await testDocker.info()) as { KernelVersion: string }).KernelVersion;

describe("terminal.docker.runtime", () => {
  it("runs the managed container under runsc, which shows gVisor's own kernel; unset, the host's kernel (positive control)", async () => {
    const name = names.next();
    const sandboxed = testBackend(name, { runtime: "runsc" });
    try {
      const seen = await sandboxed.exec("uname -r; dmesg | head -1");
      expect(seen.exitCode).toBe(0);
      expect(text(seen.stdout.head)).toContain("Starting gVisor");
      expect(text(seen.stdout.head).split("\n")[0]).not.toBe(await hostKernel());
      expect((await testDocker.getContainer(name).inspect()).HostConfig.Runtime).toBe("runsc");
    } finally {
      await sandboxed.dispose();
    }
    // The runtime is part of the config hash: without it, the same name is a new container on runc.
    const before = (await testDocker.getContainer(name).inspect()).Id;
    const plain = testBackend(name);
    try {
      const seen = await plain.exec("uname -r");
      expect(text(seen.stdout.head).trim()).toBe(await hostKernel());
      const after = await testDocker.getContainer(name).inspect();
      expect(after.Id).not.toBe(before);
      expect(after.HostConfig.Runtime).toBe("runc");
    } finally {
      await plain.dispose();
    }
  });

  it("says which key names a runtime the engine does not have, and how to install it", async () => {
    const backend = testBackend(names.next(), { runtime: "no-such-runtime" });
    try {
      await expect(backend.exec("true")).rejects.toThrow(
        /the engine has no runtime 'no-such-runtime' \(terminal\.docker\.runtime\): install no-such-runtime .*monoclaw config unset terminal\.docker\.runtime/,
      );
    } finally {
      await backend.dispose();
    }
  });
});

describe("doctor's runtime lines", () => {
  it("proves runsc with a probe container, names the kernel it saw and says runsc has no network here", async () => {
    const checks = await runtimeHealthChecks(testDocker, { runtime: "runsc", image: BUSYBOX });
    expect(checks[0]).toMatchObject({ id: "docker.runtime", level: "ok" });
    expect(checks[0]!.message).toMatch(/^runtime runsc: a probe container ran and saw gVisor's own kernel \S+ \(the host runs /);
    expect(checks[0]!.message).toContain("gVisor: a user-space kernel");
    expect(checks[0]!.message).toMatch(/engine runtimes: .*runc.*runsc/);
    expect(checks[1]).toMatchObject({ id: "docker.runtime.network", level: "warn" });
    expect(checks[1]!.fix).toMatch(/mistakes the container's network namespace for the host's .*rmem_default.*gvisor\.dev/);
  });

  it("reports the default runtime on the host's kernel (positive control for the probe)", async () => {
    const checks = await runtimeHealthChecks(testDocker, { runtime: undefined, image: BUSYBOX });
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ level: "ok", message: expect.stringContaining(`saw the host's kernel ${await hostKernel()}`) });
  });

  it("fails for a runtime the engine does not list, with the install hint, and starts nothing", async () => {
    const before = (await testDocker.listContainers({ all: true, filters: { label: ["dev.monoclaw.probe"] } })).length;
    const checks = await runtimeHealthChecks(testDocker, { runtime: "kata", image: BUSYBOX });
    expect(checks).toEqual([
      expect.objectContaining({ level: "fail", message: expect.stringContaining("terminal.docker.runtime is kata, which the engine does not list") }),
    ]);
    expect(checks[0]!.fix).toContain("daemon.json");
    expect((await testDocker.listContainers({ all: true, filters: { label: ["dev.monoclaw.probe"] } })).length).toBe(before);
  });
});

describe("doctor's fix for a probe that did not start", () => {
  it("says why runsc 20221219 refuses to start with networking and both ways out, for the engine's own error text", () => {
    const engineError =
      'OCI runtime start failed: starting container: setting up network: creating interfaces from net namespace "/proc/123/ns/net": cannot run with network enabled in root network namespace: unknown';
    const fix = probeFailureFix("runsc", engineError);
    expect(fix).toMatch(/mistakes the container's network namespace for the host's .*rmem_default/);
    expect(fix).toContain("https://gvisor.dev/docs/user_guide/install/");
    expect(fix).toContain('"runtimeArgs": ["--network=none"]');
    // Positive control: another failure keeps the install hint.
    expect(probeFailureFix("runsc", "exec: runsc: not found")).toContain("apt-get install runsc");
  });
});
