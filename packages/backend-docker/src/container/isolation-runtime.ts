import type Docker from "dockerode";
import type { HealthCheck } from "@monoclaw/core/backend";

/** What each isolation tier protects against, in one line (doctor prints it beside the runtime). */
const TIERS: Record<string, string> = {
  runc: "namespaces, cgroups and seccomp on the host's kernel: a kernel bug reachable by a syscall reaches the host",
  crun: "namespaces, cgroups and seccomp on the host's kernel: a kernel bug reachable by a syscall reaches the host",
  runsc:
    "gVisor: a user-space kernel answers the container's syscalls, so a host-kernel bug reachable by a syscall is mostly out of reach (the host kernel sees few of them)",
  kata: "a lightweight VM with its own kernel: a kernel bug stays inside the VM",
  "kata-runtime": "a lightweight VM with its own kernel: a kernel bug stays inside the VM",
};

/**
 * Why Debian's runsc 20221219 runs only with --network=none on current kernels, and what to do.
 * It takes the container's own network namespace for the host's: its root-namespace test is
 * whether /proc/sys/net/core/rmem_default exists, and kernels since 5.x show that file in every
 * namespace; later gVisor releases test /proc/sys/net/core/dev_weight, which they do not.
 */
export const RUNSC_NETWORK_FIX =
  "gVisor before 2023 mistakes the container's network namespace for the host's on this kernel (it looks for /proc/sys/net/core/rmem_default, now in every namespace) and refuses to start with networking (\"cannot run with network enabled in root network namespace\"); for networking install a current release from https://gvisor.dev/docs/user_guide/install/ and register it without --network=none";

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

/** What to do when a probe container did not start under `runtime`, told by the engine's error. */
export function probeFailureFix(runtime: string, error: string): string {
  if (/root network namespace/.test(error)) {
    return `${RUNSC_NETWORK_FIX}; or, for sandboxes without any network, add "runtimeArgs": ["--network=none"] to ${runtime} in /etc/docker/daemon.json and reload the engine (sudo kill -HUP $(pidof dockerd))`;
  }
  return runtime.startsWith("runsc") ? missingRuntimeFix(runtime) : `check the engine's log for runtime ${runtime}`;
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
      fix: probeFailureFix(runtime, probe.error),
    });
    return checks;
  }
  const whose = probe.gVisor ? "gVisor's own kernel" : "its own kernel";
  const own =
    probe.kernel !== info.KernelVersion ? `${whose} ${probe.kernel} (the host runs ${info.KernelVersion ?? "?"})` : `the host's kernel ${probe.kernel}`;
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
      fix: RUNSC_NETWORK_FIX,
    });
  }
  return checks;
}

/**
 * Runs `uname -r` in a throwaway container under `runtime` (no network, removed after), and
 * `dmesg`'s first line, which under gVisor is its own boot banner ("Starting gVisor...").
 */
async function probeKernel(docker: Docker, runtime: string, image: string): Promise<{ kernel: string; gVisor: boolean } | { error: string }> {
  let container: Docker.Container | undefined;
  try {
    container = await docker.createContainer({
      Image: image,
      Entrypoint: [],
      Cmd: ["/bin/sh", "-c", "uname -r && { dmesg 2>/dev/null | head -n 1; true; }"],
      Tty: true,
      Labels: { "dev.monoclaw.probe": "runtime" },
      HostConfig: { Runtime: runtime, NetworkMode: "none", CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges:true"], AutoRemove: false },
    });
    await container.start();
    const result = (await container.wait()) as { StatusCode: number };
    // A TTY container's log is plain text (no multiplexing frames to take apart).
    const logs = (await container.logs({ stdout: true, stderr: true })).toString("utf8").replace(/\r/g, "");
    if (result.StatusCode !== 0) return { error: `uname -r exited ${result.StatusCode}: ${logs.trim().slice(-200)}` };
    const [kernel = "", banner = ""] = logs.trim().split("\n");
    return { kernel: kernel.trim(), gVisor: /gVisor/.test(banner) };
  } catch (error) {
    return { error: (error as Error).message.split("\n")[0] ?? String(error) };
  } finally {
    await container?.remove({ force: true }).catch(() => undefined);
  }
}
