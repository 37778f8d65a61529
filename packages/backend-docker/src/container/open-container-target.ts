import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import type { DockerConfig } from "../docker-config.js";
import { createHostPathTranslator } from "../engine/host-path-translation.js";
import { runContainerExec } from "../exec/container-exec.js";
import type { ProgressEvent } from "../image/image-pull.js";
import { createAttachedContainer } from "./attached-container.js";
import { riskContextFor } from "./container-risks.js";
import { networkRisk } from "./network-risk.js";
import { reapExpiredContainers } from "./container-reaper.js";
import type { ContainerScope } from "./container-spec.js";
import type { ContainerTarget } from "./container-target.js";
import { assertContainerUserExists } from "./container-user-check.js";
import { createManagedContainer } from "./managed-container.js";
import { isRootUser } from "./user-spec.js";
import { checkEngineHostPath, type VolumeMount } from "./volume-mounts.js";

export interface ContainerTargetOptions {
  docker: Docker;
  config: DockerConfig;
  containerName: string;
  /** The host directory the managed container belongs to (its scope label). */
  cwd: string;
  /** What the managed container serves (its scope labels). */
  scopeOf?: ContainerScope;
  /** Called when the managed container is created because none existed (not reused, not replaced). */
  onCreated?: () => void;
  /** Take a ready container from the warm pool before creating one. */
  claimFromPool?: boolean;
  /** See ManagedContainerOptions.claimHeld. */
  claimHeld?: () => Promise<string | undefined>;
  /** The container user, resolved (`uid:gid` or a name), or undefined for the image's user. */
  user: string | undefined;
  /** The configured volumes, checked (throws a BackendError for an invalid entry). */
  volumes: () => VolumeMount[];
  log: (message: string) => void;
  /** The user's home and MonoClaw's environment: the mount policy's credential paths. */
  homeDir: string;
  env: Readonly<Record<string, string | undefined>>;
  /** How a refused attached container's error says to allow it (mom: its --allow-dangerous-sandbox flag). */
  allowDangerousContainerKnob?: string;
  onPullProgress?: (event: ProgressEvent) => void;
  /** DNS servers of a managed container (see ContainerSpecInput.dns). */
  dns?: string[];
  /** See ManagedContainerOptions.runningCommandsWaitMs. */
  runningCommandsWaitMs?: number;
}

/**
 * The container the backend's calls run in: the user's container when
 * `container` is set (attach mode), otherwise a managed one built from the
 * config. Starting a managed target also reaps our expired containers.
 */
export async function openContainerTarget(options: ContainerTargetOptions): Promise<ContainerTarget> {
  const { docker, config, containerName, user } = options;
  if (config.container !== undefined) {
    return createAttachedContainer(docker, config.container, {
      workspacePath: config.workdir,
      allowDangerous: config.allow_dangerous_container,
      riskContext: () => riskContextFor(docker, options.homeDir, options.env),
      log: options.log,
      ...(options.allowDangerousContainerKnob ? { allowKnob: options.allowDangerousContainerKnob } : {}),
      ...(user !== undefined ? { user } : {}),
    });
  }
  const mounts = options.volumes();
  // MonoClaw itself may run in a container: bind sources must be paths on the engine's host, and the policy holds there too.
  const toHostPath = await createHostPathTranslator(docker);
  const binds = mounts.map((m) => {
    const hostPath = toHostPath(m.resolvedHostPath);
    let danger;
    try {
      danger = checkEngineHostPath(m, hostPath, config.allow_dangerous_mounts);
    } catch (error) {
      throw new BackendError("INVALID", (error as Error).message);
    }
    if (danger) options.log(`warning: volume ${m.spec} (allowed by allow_dangerous_mounts): ${danger.reason}`);
    return `${hostPath}:${m.containerPath}${m.readOnly ? ":ro" : ""}`;
  });
  const network = networkRisk(config.network, `terminal.docker.network: ${config.network}`);
  if (network) options.log(`warning: ${network.message}. Fix: ${network.fix}`);
  const workdirIsMounted = mounts.some((m) => m.containerPath === config.workdir);
  const managed = createManagedContainer({
    docker,
    spec: {
      config,
      name: containerName,
      scope: options.cwd,
      ...(options.scopeOf ? { scopeOf: options.scopeOf } : {}),
      binds,
      workdirMounted: workdirIsMounted,
      ...(user !== undefined ? { user } : {}),
      ...(options.dns !== undefined ? { dns: options.dns } : {}),
    },
    keepWarm: config.keep_warm,
    ...(options.onCreated ? { onCreated: options.onCreated } : {}),
    ...(options.claimFromPool ? { claimFromPool: true } : {}),
    ...(options.claimHeld ? { claimHeld: options.claimHeld } : {}),
    ...(options.runningCommandsWaitMs !== undefined ? { runningCommandsWaitMs: options.runningCommandsWaitMs } : {}),
    log: options.log,
    ...(options.onPullProgress ? { onPullProgress: options.onPullProgress } : {}),
    prepare: async (id) => {
      // A user the image lacks would fail every exec with a bare exit code 126: say so once, naming the key.
      await assertContainerUserExists(docker, id, user, config.image);
      // A non-root user must be able to write its working directory (the engine creates it as root).
      if (isRootUser(user) || workdirIsMounted) return;
      await runContainerExec(docker, id, { cmd: ["/bin/sh", "-c", 'mkdir -p -- "$1" && chown "$2" "$1"', "sh", config.workdir, user!], user: "0" });
    },
  });
  // With a warm pool held in this process the refill reaps, after the claim (one engine call less before the first command).
  if (!options.claimHeld) void reapExpiredContainers(docker, { maxAgeSeconds: config.max_age, keep: [containerName] }).catch(() => undefined);
  return managed;
}
