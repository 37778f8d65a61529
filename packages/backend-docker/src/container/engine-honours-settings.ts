import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import { identifyPodman, podmanIgnoresLimits, type PodmanIdentity } from "../engine/podman-identity.js";

/** One look per engine client: Podman or not does not change while it is connected. */
const identities = new WeakMap<Docker, Promise<PodmanIdentity | undefined>>();

function podmanOf(docker: Docker): Promise<PodmanIdentity | undefined> {
  let identity = identities.get(docker);
  if (!identity) {
    identity = identifyPodman(docker).catch(() => undefined);
    identities.set(docker, identity);
  }
  return identity;
}

/** Why a container's runtime would not be the one asked for on this Podman, or undefined when it would be. */
export function podmanRuntimeMismatch(runtime: string | undefined, podman: PodmanIdentity): { message: string; fix: string } | undefined {
  if (runtime === undefined || runtime === podman.ociRuntime) return undefined;
  // Podman 4.3's compatible create drops HostConfig.Runtime (libpod's inspect shows its [engine] runtime): asking is not getting.
  return {
    message: `terminal.docker.runtime is ${runtime}, but Podman's Docker-compatible API ignores a container's runtime: MonoClaw's containers run under ${podman.ociRuntime ?? "Podman's own runtime"}, not ${runtime}`,
    fix: `set [engine] runtime = "${runtime}" in the Podman service's containers.conf (every container of that service then runs under it) and restart it, or use Docker for a runtime per container, or \`monoclaw config unset terminal.docker.runtime\``,
  };
}

/**
 * Before a managed container with `terminal.docker.runtime` is used: a runtime
 * Podman would silently not apply is refused (asking for gVisor and getting
 * runc is an isolation tier the user does not have). No engine call without a
 * runtime setting.
 */
export async function refuseIgnoredRuntime(docker: Docker, runtime: string | undefined): Promise<void> {
  if (runtime === undefined) return;
  const podman = await podmanOf(docker);
  const mismatch = podman && podmanRuntimeMismatch(runtime, podman);
  if (mismatch) throw new BackendError("INVALID", `${mismatch.message}. Fix: ${mismatch.fix}`);
}

const warned = new WeakSet<Docker>();

/** Before a managed container is created: limits rootless Podman on cgroup v1 drops are a warning, once per engine. */
export async function warnDroppedLimits(docker: Docker, log: (message: string) => void): Promise<void> {
  if (warned.has(docker) || !podmanIgnoresLimits(await podmanOf(docker))) return;
  warned.add(docker);
  log(
    "warning: rootless Podman on cgroup v1 creates containers without memory, cpus and pids_limit: a runaway process in the sandbox is bounded only by the user's ulimits (run rootful Podman or Docker for enforced limits)",
  );
}
