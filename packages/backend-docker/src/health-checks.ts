import { isSecretVariable, type HealthCheck } from "@monoclaw/core/backend";
import { ALLOW_DANGEROUS_CONTAINER_KNOB, inspectAttachedContainer } from "./container/attached-container.js";
import { buildContainerSpec } from "./container/container-spec.js";
import { describeHardening, riskContextFor } from "./container/container-risks.js";
import type { MountDanger } from "./container/mount-policy.js";
import { networkRisk } from "./container/network-risk.js";
import { LABEL_CONFIG_HASH, LABEL_MANAGED_BY, MANAGED_BY_VALUE } from "./container/container-labels.js";
import type { DockerConfig } from "./docker-config.js";
import type { EngineConnection } from "./engine/engine-discovery.js";
import { createHostPathTranslator, hostPathHealthCheck, type HostPathTranslator } from "./engine/host-path-translation.js";
import { imageExists, imageNotFoundFix } from "./image/image-pull.js";
import { isRootUser } from "./container/user-spec.js";
import { userHealthCheck } from "./container/container-user-check.js";
import { runtimeHealthChecks } from "./container/isolation-runtime.js";
import { checkEngineHostPath, type VolumeMount } from "./container/volume-mounts.js";
import { describePodman, identifyPodman, podmanIgnoresLimits, type PodmanIdentity } from "./engine/podman-identity.js";
import { podmanHealthChecks } from "./podman-health-checks.js";

export interface HealthCheckContext {
  config: DockerConfig;
  containerName: string;
  engine(): Promise<EngineConnection>;
  /** Parses and validates `volumes`; throws a BackendError for a bad entry. */
  volumes(): VolumeMount[];
  homeDir: string;
  user: string | undefined;
  /** The host environment `forward_env` reads. */
  hostEnv: Readonly<Record<string, string | undefined>>;
}

/**
 * The Docker backend's `monoclaw doctor` lines: engine (endpoint, discovery
 * strategy, versions), permissions, image, resource limits, volumes, the
 * container's state, and risky settings, each non-ok line with a fix. Never
 * throws: a failure is a `fail` line, and checks that need the engine are
 * skipped (not faked) when it is unreachable.
 */
export async function dockerHealthChecks(context: HealthCheckContext): Promise<HealthCheck[]> {
  const { config } = context;
  const checks: HealthCheck[] = [];
  let connection: EngineConnection;
  try {
    connection = await context.engine();
  } catch (error) {
    const message = (error as Error).message;
    const denied = /permission denied/i.test(message);
    checks.push({
      id: "docker.engine",
      level: "fail",
      message: `Docker engine not reachable. ${message.split("\n").slice(0, -1).join(" ").trim() || message}`,
      fix: denied
        ? "Permission denied: add your user to the docker group (sudo usermod -aG docker $USER, then log in again) or use sudo"
        : "Docker not found: install Docker and make sure the daemon is running (docker info), or set terminal.docker.host / DOCKER_HOST",
    });
    if (denied)
      checks.push({
        id: "docker.permissions",
        level: "fail",
        message: "MonoClaw may not use the engine's socket",
        fix: "add your user to the docker group or use sudo",
      });
    checks.push(...configOnlyChecks(context));
    return checks;
  }
  const { docker, endpoint } = connection;
  // Podman answers the same API: name it, since its failures and fixes are its own.
  const podman: PodmanIdentity | undefined = await identifyPodman(docker).catch(() => undefined);
  checks.push({
    id: "docker.engine",
    level: "ok",
    message: `${podman ? describePodman(podman) : `Docker engine ${connection.engineVersion}`} (API ${connection.apiVersion}) at ${endpoint.url}, found by ${endpoint.source}`,
  });
  checks.push({ id: "docker.permissions", level: "ok", message: "MonoClaw may use the engine (listing containers works)" });
  try {
    await docker.listContainers({ limit: 1 });
  } catch (error) {
    checks[checks.length - 1] = {
      id: "docker.permissions",
      level: "fail",
      message: `The engine refused a request: ${(error as Error).message}`,
      fix: "check the user's access to the engine (docker group, rootless setup, TLS client certificate)",
    };
  }

  // Image.
  let imagePresent = false;
  if (config.container === undefined) {
    try {
      const present = await imageExists(docker, config.image);
      imagePresent = present;
      if (present) {
        checks.push({ id: "docker.image", level: "ok", message: `image ${config.image} is present` });
        // Without this line an unknown user leaves doctor all green while every command fails with exit code 126.
        const user = await userHealthCheck(docker, context.user, config.image);
        if (user) checks.push(user);
      } else if (config.pull === "never")
        checks.push({
          id: "docker.image",
          level: "fail",
          message: `Image not found: ${config.image} (terminal.docker.pull is never)`,
          fix: imageNotFoundFix(config.image),
        });
      else
        checks.push({
          id: "docker.image",
          level: "warn",
          message: `image ${config.image} is not present; it will be pulled on first use`,
          fix: imageNotFoundFix(config.image),
        });
    } catch (error) {
      checks.push({
        id: "docker.image",
        level: "fail",
        message: `cannot inspect image ${config.image}: ${(error as Error).message}`,
        fix: imageNotFoundFix(config.image),
      });
    }
  }

  // Resource limits.
  try {
    const info = (await docker.info()) as { MemoryLimit?: boolean; PidsLimit?: boolean; CpuCfsQuota?: boolean; SecurityOptions?: string[] };
    const missing: string[] = [];
    if (info.MemoryLimit === false) missing.push(`memory${config.memory !== undefined ? " (terminal.docker.memory is set)" : ""}`);
    if (info.PidsLimit === false) missing.push("pids_limit");
    if (info.CpuCfsQuota === false) missing.push(`cpus${config.cpus !== undefined ? " (terminal.docker.cpus is set)" : ""}`);
    // Rootless Podman on cgroup v1 says it supports all three but drops them (docker.podman.limits says why).
    if (podmanIgnoresLimits(podman)) missing.splice(0, missing.length, "memory", "pids_limit", "cpus");
    checks.push(
      missing.length === 0
        ? {
            id: "docker.limits",
            level: "ok",
            message: `resource limits supported (pids_limit ${config.pids_limit}${config.memory !== undefined ? `, memory ${config.memory}` : ""}${config.cpus !== undefined ? `, cpus ${config.cpus}` : ""})`,
          }
        : {
            id: "docker.limits",
            level: "warn",
            message: `the engine cannot enforce: ${missing.join(", ")}`,
            fix: podmanIgnoresLimits(podman)
              ? "rootless Podman on cgroup v1 cannot apply them: run rootful Podman or Docker, or give the user cgroup v2 controllers (see the Podman limits line)"
              : "enable the cgroup controllers (memory, pids, cpu) on the engine's host, or remove those settings",
          },
    );
  } catch (error) {
    checks.push({ id: "docker.limits", level: "warn", message: `cannot read the engine's capabilities: ${(error as Error).message}` });
  }

  // Podman: a probe container with the managed container's settings, so a host setting that breaks Podman fails here with its fix.
  if (podman && config.container === undefined && imagePresent) checks.push(...(await podmanHealthChecks(docker, podman, config)));

  // Isolation tier: the runtime a managed container runs under, proven by a probe container.
  if (config.container === undefined) checks.push(...(await runtimeHealthChecks(docker, { runtime: config.runtime, image: config.image })));

  // Volumes and where they come from: no tick for a mount the policy flags, here or on the engine's host.
  let mounts: VolumeMount[] = [];
  try {
    mounts = context.volumes();
  } catch (error) {
    checks.push({ id: "docker.volumes", level: "fail", message: (error as Error).message, fix: "fix terminal.docker.volumes" });
  }
  if (mounts.length > 0) {
    const toHostPath = await createHostPathTranslator(docker).catch((): HostPathTranslator => (path) => path);
    checks.push(...volumeChecks(mounts, toHostPath, config.allow_dangerous_mounts));
    checks.push(
      await hostPathHealthCheck(
        docker,
        mounts.map((m) => m.resolvedHostPath),
      ),
    );
  }

  // Container state.
  checks.push(await containerCheck(context, connection));
  checks.push(...riskChecks(context));
  checks.push(...(config.container !== undefined ? await attachedRiskChecks(context, connection) : await managedHardeningChecks(context, connection)));
  return checks;
}

/** One ✓ line for the clean volumes; a ! (allowed by allow_dangerous_mounts) or ✗ line for each one the policy flags. */
function volumeChecks(mounts: readonly VolumeMount[], toHostPath: HostPathTranslator, allowDangerous: boolean): HealthCheck[] {
  const checks: HealthCheck[] = [];
  const clean: VolumeMount[] = [];
  for (const mount of mounts) {
    let danger: MountDanger | undefined;
    try {
      let hostPath = mount.resolvedHostPath;
      try {
        hostPath = toHostPath(mount.resolvedHostPath);
      } catch {
        // Not on a mount of MonoClaw's container: the docker.host_paths line says so.
      }
      danger = checkEngineHostPath(mount, hostPath, allowDangerous);
    } catch (error) {
      checks.push({ id: "docker.volumes", level: "fail", message: (error as Error).message, fix: "fix terminal.docker.volumes" });
      continue;
    }
    if (danger) {
      checks.push({
        id: "docker.risk.mount",
        level: "warn",
        message: `volume ${mount.spec} mounts ${mount.resolvedHostPath} (allowed by allow_dangerous_mounts): ${danger.reason}`,
        fix: `remove the entry or ${danger.fix}, then set allow_dangerous_mounts: false`,
      });
    } else clean.push(mount);
  }
  if (clean.length > 0) {
    checks.unshift({
      id: "docker.volumes",
      level: "ok",
      message: `volumes: ${clean.map((m) => `${m.hostPath} -> ${m.containerPath}${m.readOnly ? " (ro)" : ""}`).join(", ")}`,
    });
  }
  return checks;
}

async function containerCheck(context: HealthCheckContext, { docker }: EngineConnection): Promise<HealthCheck> {
  const { config, containerName } = context;
  if (config.container !== undefined) {
    try {
      const info = await inspectAttachedContainer(docker, config.container, config.workdir, await riskContextFor(docker, context.homeDir, context.hostEnv));
      if (!info.exists) return { id: "docker.container", level: "fail", message: `container ${info.name} does not exist`, fix: info.fix! };
      if (!info.running) return { id: "docker.container", level: "fail", message: `container ${info.name} is ${info.state}`, fix: info.fix! };
      const mounted = info.workspaceSource ? `, ${info.workspaceSource} mounted at ${config.workdir}` : `, nothing mounted at ${config.workdir}`;
      // No tick for a workspace mount the policy flags (the docker.risk.mount line below says why).
      const flagged =
        info.workspaceSource !== undefined &&
        (info.risks ?? []).some((risk) => risk.id === "mount" && risk.message.startsWith(`it mounts ${info.workspaceSource} at ${config.workdir}`));
      return { id: "docker.container", level: flagged ? "warn" : "ok", message: `container ${info.name} is running (${info.image}${mounted})` };
    } catch (error) {
      return { id: "docker.container", level: "fail", message: `cannot inspect container ${config.container}: ${(error as Error).message}` };
    }
  }
  const info = await docker
    .getContainer(containerName)
    .inspect()
    .catch(() => undefined);
  if (!info)
    return {
      id: "docker.container",
      level: "ok",
      message: `container ${containerName} not created yet (created on the first command${config.keep_warm ? ", then kept warm" : ""})`,
    };
  const labels = info.Config.Labels ?? {};
  if (labels[LABEL_MANAGED_BY] !== MANAGED_BY_VALUE) {
    return {
      id: "docker.container",
      level: "fail",
      message: `a container named ${containerName} exists but MonoClaw did not create it`,
      fix: `docker rm -f ${containerName}, or use it as is with terminal.docker.container: ${containerName}`,
    };
  }
  const hash = labels[LABEL_CONFIG_HASH] ?? "none";
  return {
    id: "docker.container",
    level: "ok",
    message: `container ${containerName} is ${info.State.Status} (${info.Config.Image}, config ${hash}; replaced automatically when terminal.docker changes)`,
  };
}

/** Risks visible from the configuration alone: the network mode, secrets in `env`, unset `forward_env` names. */
function riskChecks(context: HealthCheckContext): HealthCheck[] {
  const { config } = context;
  const checks: HealthCheck[] = [];
  const network = config.container === undefined ? networkRisk(config.network, `network: ${config.network}`) : undefined;
  if (network) checks.push({ id: "docker.risk.network", level: "warn", message: network.message, fix: network.fix });
  for (const [name, value] of Object.entries(config.env)) {
    if (!isSecretVariable(name, value)) continue;
    checks.push({
      id: "docker.risk.env",
      level: "warn",
      message: `terminal.docker.env.${name} looks like a secret: env values are part of the container's configuration, which anyone with engine access reads with docker inspect`,
      fix: `remove it from terminal.docker.env and list ${name} in terminal.docker.forward_env instead (export ${name}=... before starting): forwarded values travel with each command only`,
    });
  }
  const missing = config.forward_env.filter((name) => context.hostEnv[name] === undefined);
  if (missing.length > 0) {
    checks.push({
      id: "docker.forward_env",
      level: "warn",
      message: `forward_env names variables that are not set here: ${missing.join(", ")} (commands will not see them)`,
      fix: `export ${missing[0]}=... before starting, or remove it from terminal.docker.forward_env`,
    });
  }
  return checks;
}

/** The managed container's hardening as it is (inspected) or will be (the spec it is created with). */
async function managedHardeningChecks(context: HealthCheckContext, { docker }: EngineConnection): Promise<HealthCheck[]> {
  const info = await docker
    .getContainer(context.containerName)
    .inspect()
    .catch(() => undefined);
  const ours = info?.Config.Labels?.[LABEL_MANAGED_BY] === MANAGED_BY_VALUE;
  const hostConfig =
    info && ours ? info.HostConfig : buildContainerSpec({ config: context.config, name: context.containerName, scope: "", binds: [] }).options.HostConfig!;
  const who = isRootUser(context.user) ? "commands run as root inside the container" : `commands run as ${context.user} inside the container`;
  const hint = isRootUser(context.user) && !context.config.read_only_root ? "; set user: host to create files in volumes as yourself" : "";
  return [{ id: "docker.hardening", level: "ok", message: `${who} (${info && ours ? "found" : "when created"}: ${describeHardening(hostConfig)})${hint}` }];
}

/** Risks of an attached container, read from its inspect data (it was not made with our defaults); refusals fail unless allowed. */
async function attachedRiskChecks(context: HealthCheckContext, { docker }: EngineConnection): Promise<HealthCheck[]> {
  const name = context.config.container!;
  const riskContext = await riskContextFor(docker, context.homeDir, context.hostEnv);
  const info = await inspectAttachedContainer(docker, name, context.config.workdir, riskContext).catch(() => undefined);
  if (!info?.exists || info.risks === undefined) return [];
  const checks: HealthCheck[] = info.risks.map((risk) => ({
    id: `docker.risk.${risk.id}`,
    level: risk.level === "refuse" && !context.config.allow_dangerous_container ? "fail" : "warn",
    message: `container ${name}: ${risk.message}${risk.level === "refuse" ? (context.config.allow_dangerous_container ? " (allowed by allow_dangerous_container)" : "; commands are refused") : ""}`,
    fix: risk.level === "refuse" && !context.config.allow_dangerous_container ? `${risk.fix}; or ${ALLOW_DANGEROUS_CONTAINER_KNOB}` : risk.fix,
  }));
  checks.push({
    id: "docker.hardening",
    level: info.risks.length === 0 ? "ok" : "warn",
    message: `container ${name} (not made by MonoClaw): ${info.hardening}`,
  });
  return checks;
}

/** What can be said without an engine. */
function configOnlyChecks(context: HealthCheckContext): HealthCheck[] {
  const checks: HealthCheck[] = [];
  try {
    const mounts = context.volumes();
    if (mounts.length > 0) checks.push(...volumeChecks(mounts, (path) => path, context.config.allow_dangerous_mounts));
  } catch (error) {
    checks.push({ id: "docker.volumes", level: "fail", message: (error as Error).message, fix: "fix terminal.docker.volumes" });
  }
  return [...checks, ...riskChecks(context)];
}
