import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { HealthCheck } from "@monoclaw/core/backend";
import { buildContainerSpec } from "./container/container-spec.js";
import type { DockerConfig } from "./docker-config.js";
import { engineMessage } from "./engine/engine-errors.js";
import { podmanStartFailure } from "./engine/podman-hints.js";
import { podmanIgnoresLimits, type PodmanIdentity } from "./engine/podman-identity.js";
import { podmanRuntimeMismatch } from "./container/engine-honours-settings.js";

/**
 * Podman's own `doctor` lines: a probe container made from the managed
 * container's own create options (init process, limits, tmpfs, capabilities)
 * is started and removed, so each setting of the engine's host that breaks
 * Podman (no catatonit, default ulimits above the hard limits, crun on hybrid
 * cgroups) is a failed line with its fix before the first command meets it;
 * and rootless Podman on cgroup v1, which creates containers without limits.
 */
export async function podmanHealthChecks(docker: Docker, podman: PodmanIdentity, config: DockerConfig): Promise<HealthCheck[]> {
  const checks: HealthCheck[] = [await probeStart(docker, config)];
  const mismatch = podmanRuntimeMismatch(config.runtime, podman);
  if (mismatch) checks.push({ id: "docker.podman.runtime", level: "fail", ...mismatch });
  if (podmanIgnoresLimits(podman)) {
    checks.push({
      id: "docker.podman.limits",
      level: "warn",
      message:
        "rootless Podman on cgroup v1 creates containers without memory, cpus and pids_limit (it drops them; its /info still says they are supported): " +
        "a runaway process in the sandbox is bounded only by the user's ulimits",
      fix: "run rootful Podman or Docker for enforced limits, or boot the engine's host with cgroup v2 only and delegate the controllers to the user (systemd: Delegate=yes for user@.service)",
    });
  }
  return checks;
}

async function probeStart(docker: Docker, config: DockerConfig): Promise<HealthCheck> {
  const name = `monoclaw-podman-probe-${randomBytes(4).toString("hex")}`;
  const { options } = buildContainerSpec({ config, name, scope: "", binds: [] });
  let container: Docker.Container | undefined;
  try {
    // No network: what is probed is the init process, the ulimits and the runtime (an allowlist network is made per sandbox).
    const HostConfig = { ...options.HostConfig, NetworkMode: "none" };
    container = await docker.createContainer({ ...options, name, Cmd: ["true"], Labels: { "dev.monoclaw.probe": "podman" }, HostConfig });
    await container.start();
    await container.wait();
    return {
      id: "docker.podman",
      level: "ok",
      message: `a probe container started with the managed container's settings (init process, default ulimits, runtime) on ${config.image}`,
    };
  } catch (error) {
    const text = engineMessage(error);
    const failure = podmanStartFailure(text);
    if (failure) return { id: "docker.podman", level: "fail", message: `Podman cannot start MonoClaw's container: ${failure.problem}`, fix: failure.fix };
    return {
      id: "docker.podman",
      level: "fail",
      message: `Podman cannot start a probe container with the managed container's settings: ${text.split("\n")[0]}`,
      fix: "run the same with `podman run --init --network none <image> true` on the engine's host to see the whole error",
    };
  } finally {
    await container?.remove({ force: true, v: true }).catch(() => undefined);
  }
}
