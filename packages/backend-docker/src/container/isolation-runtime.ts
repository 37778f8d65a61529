import type Docker from "dockerode";
import type { HealthCheck } from "@monoclaw/core/backend";

/** What each isolation tier protects against, in one line (doctor prints it beside the runtime). */
const TIERS: Record<string, string> = {
  runc: "namespaces, cgroups and seccomp on the host's kernel: a kernel bug reachable by a syscall reaches the host",
  crun: "namespaces, cgroups and seccomp on the host's kernel: a kernel bug reachable by a syscall reaches the host",
  runsc: "gVisor: a user-space kernel answers the container's syscalls, so the host kernel sees few of them",
  kata: "a lightweight VM with its own kernel: a kernel bug stays inside the VM",
  "kata-runtime": "a lightweight VM with its own kernel: a kernel bug stays inside the VM",
};

/** The one-line tier description of a runtime, by the name the engine gives it. */
export function isolationTier(runtime: string): string {
  return (
    TIERS[runtime] ??
    TIERS[Object.keys(TIERS).find((known) => runtime.startsWith(known)) ?? ""] ??
    "an OCI runtime MonoClaw knows nothing about: see its own documentation"
  );
}

/** How to get a runtime the engine does not list. */
export function missingRuntimeFix(runtime: string): string {
  const install =
    runtime === "runsc"
      ? "install gVisor (Debian/Ubuntu: apt-get install runsc) and register it in /etc/docker/daemon.json: " +
        '{"runtimes": {"runsc": {"path": "/usr/bin/runsc"}}}, then reload the engine (sudo kill -HUP $(pidof dockerd))'
      : `install ${runtime} and register it under "runtimes" in /etc/docker/daemon.json, then reload the engine (sudo kill -HUP $(pidof dockerd))`;
  return `${install}; or unset terminal.docker.runtime (monoclaw config unset terminal.docker.runtime) to use the engine's default`;
}

/** Turns the engine's "unknown runtime" refusal into one that names the key and the fix; other errors pass. */
export function unknownRuntimeMessage(engineText: string, runtime: string | undefined): string | undefined {
  if (runtime === undefined || !/unknown runtime/i.test(engineText)) return undefined;
  return `the engine has no runtime '${runtime}' (terminal.docker.runtime): ${missingRuntimeFix(runtime)}`;
}

interface EngineRuntimes {
  Runtimes?: Record<string, { path?: string; runtimeArgs?: string[] }>;
  DefaultRuntime?: string;
  KernelVersion?: string;
}

/**
 * doctor's runtime lines: the runtimes the engine lists and its default, and
 * for the configured one (or the default) a probe container really started
 * under it, reporting the kernel the sandbox sees (gVisor reports its own).
 */
export async function runtimeHealthChecks(docker: Docker, options: { runtime: string | undefined; image: string }): Promise<HealthCheck[]> {
  let info: EngineRuntimes;
  try {
    info = (await docker.info()) as EngineRuntimes;
  } catch (error) {
    return [{ id: "docker.runtime", level: "warn", message: `cannot list the engine's runtimes: ${(error as Error).message}` }];
  }
  const available = Object.keys(info.Runtimes ?? {}).sort();
  const defaultRuntime = info.DefaultRuntime ?? "runc";
  const runtime = options.runtime ?? defaultRuntime;
  const listed = `engine runtimes: ${available.join(", ") || "(none listed)"}; default ${defaultRuntime}`;
  if (options.runtime !== undefined && !available.includes(options.runtime)) {
    return [
      {
        id: "docker.runtime",
        level: "fail",
        message: `terminal.docker.runtime is ${options.runtime}, which the engine does not list (${listed})`,
        fix: missingRuntimeFix(options.runtime),
      },
    ];
  }
  const checks: HealthCheck[] = [];
  const probe = await probeKernel(docker, runtime, options.image);
  if ("error" in probe) {
    checks.push({
      id: "docker.runtime",
      level: "fail",
      message: `a probe container under ${runtime} did not run: ${probe.error} (${listed})`,
      fix: runtime === "runsc" ? missingRuntimeFix(runtime) : `check the engine's log for runtime ${runtime}`,
    });
    return checks;
  }
  const own =
    probe.kernel !== info.KernelVersion ? `its own kernel ${probe.kernel} (the host runs ${info.KernelVersion ?? "?"})` : `the host's kernel ${probe.kernel}`;
  checks.push({
    id: "docker.runtime",
    level: "ok",
    message: `runtime ${runtime}: a probe container ran and saw ${own}; ${isolationTier(runtime)} (${listed})`,
  });
  const args = info.Runtimes?.[runtime]?.runtimeArgs ?? [];
  if (args.includes("--network=none")) {
    checks.push({
      id: "docker.runtime.network",
      level: "warn",
      message: `runtime ${runtime} is registered with --network=none: its sandboxes have no network, whatever terminal.docker.network says`,
      fix: "Debian's runsc 20221219 cannot set up networking in the engine's network namespace on some hosts (\"cannot run with network enabled in root network namespace\"); use a newer gVisor release for networking",
    });
  }
  return checks;
}

/** Runs `uname -r` in a throwaway container under `runtime` (no network, removed after). */
async function probeKernel(docker: Docker, runtime: string, image: string): Promise<{ kernel: string } | { error: string }> {
  let container: Docker.Container | undefined;
  try {
    container = await docker.createContainer({
      Image: image,
      Entrypoint: [],
      Cmd: ["uname", "-r"],
      Tty: true,
      Labels: { "dev.monoclaw.probe": "runtime" },
      HostConfig: { Runtime: runtime, NetworkMode: "none", CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges:true"], AutoRemove: false },
    });
    await container.start();
    const result = (await container.wait()) as { StatusCode: number };
    // A TTY container's log is plain text (no multiplexing frames to take apart).
    const logs = (await container.logs({ stdout: true, stderr: true })).toString("utf8").replace(/\r/g, "");
    if (result.StatusCode !== 0) return { error: `uname -r exited ${result.StatusCode}: ${logs.trim().slice(-200)}` };
    return { kernel: logs.trim().split(/\s+/).pop() ?? "" };
  } catch (error) {
    return { error: (error as Error).message.split("\n")[0] ?? String(error) };
  } finally {
    await container?.remove({ force: true }).catch(() => undefined);
  }
}
