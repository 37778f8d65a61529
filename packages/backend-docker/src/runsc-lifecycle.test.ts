import { afterAll, describe, expect, it } from "vitest";
import { LABEL_MANAGED_BY } from "./container/container-labels.js";
import { expectReaperRemovesOnlyOurStoppedExpired } from "./container/reaper-case.test-helpers.js";
import { containerNames, testBackend, testDocker, text, waitFor } from "./docker.test-helpers.js";

// The container lifecycle (reuse, replace on config change, recreate after removal, reaper) and
// doctor under gVisor: Debian's runsc registered with the test engine by scripts/ensure-runtimes.sh.
const names = containerNames("mc-test-runsc-lifecycle");
afterAll(() => names.cleanup());

const inspect = (name: string) =>
  testDocker
    .getContainer(name)
    .inspect()
    .catch((error: { statusCode?: number }) => error.statusCode);

/** gVisor's boot banner is the first kernel message a sandbox sees; runc shows the host's log, if any. */
const underGVisor = async (backend: ReturnType<typeof testBackend>) =>
  text((await backend.exec("dmesg 2>/dev/null | head -n 1")).stdout.head).includes("Starting gVisor");

describe("container lifecycle under runsc", () => {
  it("creates a labelled, hardened container under runsc and reuses it from a second backend", async () => {
    const name = names.next();
    const first = testBackend(name, { runtime: "runsc" });
    await first.writeFile("kept.txt", "survives a stop");
    const id = await first.ensureContainer();
    expect(await underGVisor(first)).toBe(true);
    await first.dispose();
    const info = await testDocker.getContainer(name).inspect();
    expect(info.Config.Labels[LABEL_MANAGED_BY]).toBe("monoclaw");
    expect(info.HostConfig).toMatchObject({ Runtime: "runsc", Init: true, NetworkMode: "none" });
    expect(info.State.Running).toBe(false);

    const second = testBackend(name, { runtime: "runsc" });
    try {
      expect(await second.ensureContainer()).toBe(id);
      expect(text(await second.readFile("kept.txt"))).toBe("survives a stop");
      expect((await second.exec("exit 7")).exitCode).toBe(7);
    } finally {
      await second.dispose();
    }
  });

  it("replaces a runc container with a runsc one when terminal.docker.runtime changes, and a runsc one when another setting does", async () => {
    const name = names.next();
    const plain = testBackend(name);
    const onRunc = await plain.ensureContainer();
    // Positive control: the first container runs on the engine's default runtime.
    expect((await testDocker.getContainer(onRunc).inspect()).HostConfig.Runtime).toBe("runc");
    expect(await underGVisor(plain)).toBe(false);
    await plain.dispose();

    const messages: string[] = [];
    const sandboxed = testBackend(name, { runtime: "runsc", log: (m) => messages.push(m) });
    let onRunsc: string;
    try {
      onRunsc = await sandboxed.ensureContainer();
      expect(onRunsc).not.toBe(onRunc);
      expect(await inspect(onRunc)).toBe(404);
      expect((await testDocker.getContainer(name).inspect()).HostConfig.Runtime).toBe("runsc");
      expect(await underGVisor(sandboxed)).toBe(true);
      expect(messages.join("\n")).toContain(`replacing container ${name}`);
    } finally {
      await sandboxed.dispose();
    }

    const limited = testBackend(name, { runtime: "runsc", pids_limit: 99 });
    try {
      const after = await limited.ensureContainer();
      expect(after).not.toBe(onRunsc);
      expect(await inspect(onRunsc)).toBe(404);
      // Under runsc pids_limit is RLIMIT_NPROC (container/process-limit.ts).
      expect((await testDocker.getContainer(name).inspect()).HostConfig).toMatchObject({ Runtime: "runsc", Ulimits: [{ Name: "nproc", Soft: 99, Hard: 99 }] });
    } finally {
      await limited.dispose();
    }
  });

  it("waits for a command still running in the runsc container before replacing it with one under runc (the running-commands scan works under gVisor)", async () => {
    const name = names.next();
    const sandboxed = testBackend(name, { runtime: "runsc" });
    const messages: string[] = [];
    const plain = testBackend(name, { log: (m) => messages.push(m) });
    try {
      await sandboxed.exec("true");
      let doneAt = 0;
      const running = sandboxed.exec("touch /tmp/started; sleep 3; echo whole").then((result) => {
        doneAt = Date.now();
        return result;
      });
      await waitFor(async () => (await sandboxed.exec("test -e /tmp/started")).exitCode === 0, 10_000, "the command to run");
      const changed = await plain.exec("echo on-runc");
      const changedAt = Date.now();
      expect(text((await running).stdout.head)).toBe("whole\n");
      expect(text(changed.stdout.head)).toBe("on-runc\n");
      expect(changedAt).toBeGreaterThanOrEqual(doneAt);
      expect((await testDocker.getContainer(name).inspect()).HostConfig.Runtime).toBe("runc");
      expect(messages.join("\n")).toMatch(new RegExp(`Waiting for 1 running command in container ${name} \\(pid \\d+: [^)]*sleep 3`));
    } finally {
      await sandboxed.dispose();
      await plain.dispose();
    }
  });

  it("recreates a runsc container removed behind its back and runs the next command in it", async () => {
    const name = names.next();
    const backend = testBackend(name, { runtime: "runsc" });
    try {
      const first = await backend.ensureContainer();
      await testDocker.getContainer(first).remove({ force: true });
      expect(await inspect(first)).toBe(404);
      const result = await backend.exec("echo back");
      expect(text(result.stdout.head)).toBe("back\n");
      const second = await backend.ensureContainer();
      expect(second).not.toBe(first);
      expect((await testDocker.getContainer(second).inspect()).HostConfig.Runtime).toBe("runsc");
      expect(await underGVisor(backend)).toBe(true);
    } finally {
      await backend.dispose();
    }
  });

  it("reaps only our expired stopped runsc containers, never a running one or an unlabelled one", async () => {
    await expectReaperRemovesOnlyOurStoppedExpired(testDocker, names, { Runtime: "runsc" });
  });
});

describe("doctor under runsc", () => {
  it("proves runsc with a probe container naming gVisor's kernel, says what the tier protects against, and why this runsc has no network", async () => {
    const backend = testBackend(names.next(), { runtime: "runsc" });
    try {
      const checks = await backend.healthChecks();
      const runtime = checks.find((check) => check.id === "docker.runtime");
      expect(runtime).toMatchObject({ level: "ok" });
      expect(runtime!.message).toMatch(
        /^runtime runsc: a probe container ran and saw gVisor's own kernel \S+ \(the host runs \S+\); gVisor: a user-space kernel/,
      );
      expect(runtime!.message).not.toContain("\n");
      const network = checks.find((check) => check.id === "docker.runtime.network");
      expect(network).toMatchObject({ level: "warn", message: expect.stringContaining("registered with --network=none: its sandboxes have no network") });
      expect(network!.fix).toMatch(/rmem_default.*cannot run with network enabled in root network namespace.*gvisor\.dev/);
    } finally {
      await backend.dispose();
    }
  });
});
