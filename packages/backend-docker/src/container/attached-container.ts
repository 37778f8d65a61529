import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import type { ContainerTarget } from "./container-target.js";
import { assertContainerUserExists } from "./container-user-check.js";
import { containerRisks, describeHardening, type ContainerRisk, type ContainerRiskContext } from "./container-risks.js";
import { statusCodeOf, engineMessage, engineUnreachableError, isConnectionError } from "../engine/engine-errors.js";

/** What `inspectAttachedContainer` found, for apps such as mom to print the right fix at start. */
export interface AttachedContainerInfo {
  name: string;
  exists: boolean;
  running: boolean;
  id?: string;
  image?: string;
  /** State as the engine names it: `running`, `exited`, `paused`, `created`... */
  state?: string;
  /** Host directory bound at `workspacePath` (as the engine sees it), when it is a bind mount. */
  workspaceSource?: string;
  /** A command the user can run to fix what is wrong, when something is. */
  fix?: string;
  /** Dangerous settings found in its HostConfig and mounts (when it exists), refusals first. */
  risks?: ContainerRisk[];
  /** Its hardening as found: capabilities, no-new-privileges, pids limit, init. */
  hardening?: string;
}

/** How to use a container with a `refuse` risk anyway, as the refusal says it (mom names its own flag). */
export const ALLOW_DANGEROUS_CONTAINER_KNOB = "set terminal.docker.allow_dangerous_container: true";

/**
 * Inspects a container by name without changing it; with `riskContext`, also
 * judges its settings (see `containerRisks`). Never throws for a missing container.
 */
export async function inspectAttachedContainer(
  docker: Docker,
  name: string,
  workspacePath: string,
  riskContext?: ContainerRiskContext,
): Promise<AttachedContainerInfo> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await docker.getContainer(name).inspect();
  } catch (error) {
    if (statusCodeOf(error) === 404) {
      return {
        name,
        exists: false,
        running: false,
        fix: `Create it, e.g. \`docker run -d --name ${name} -v /path/to/data:${workspacePath} alpine:latest tail -f /dev/null\``,
      };
    }
    throw error;
  }
  const mount = info.Mounts?.find((m) => m.Destination === workspacePath);
  const running = info.State.Running && !info.State.Paused;
  return {
    name,
    exists: true,
    running,
    id: info.Id,
    image: info.Config.Image,
    state: info.State.Status,
    ...(mount ? { workspaceSource: mount.Source } : {}),
    ...(running ? {} : { fix: info.State.Paused ? `docker unpause ${name}` : `docker start ${name}` }),
    ...(riskContext ? { risks: containerRisks(info.HostConfig, info.Mounts ?? [], riskContext), hardening: describeHardening(info.HostConfig) } : {}),
  };
}

/**
 * The error for a container whose risks include a refusal, or undefined.
 * `knob` names the setting that allows it anyway (mom passes its own flag).
 */
export function refusedContainerError(name: string, risks: readonly ContainerRisk[], knob: string): BackendError | undefined {
  const refused = risks.filter((risk) => risk.level === "refuse");
  if (refused.length === 0) return undefined;
  return new BackendError(
    "INVALID",
    `Refusing to run commands in container ${name}: ${refused.map((risk) => risk.message).join("; ")}. ` +
      `Fix: ${refused[0]!.fix}; or ${knob} if you really mean it`,
  );
}

/** One log line per risk the start lets through. */
export function containerRiskWarnings(name: string, risks: readonly ContainerRisk[]): string[] {
  return risks.map((risk) => `warning: container ${name}: ${risk.message}${risk.level === "refuse" ? " (allowed by configuration)" : ""}. Fix: ${risk.fix}`);
}

export interface AttachedContainerOptions {
  /** Where the workspace is mounted in the container. */
  workspacePath: string;
  /** Use it even when it is privileged or holds the engine socket. */
  allowDangerous: boolean;
  /** How to judge its bind mounts; asked at each look-up. */
  riskContext: () => Promise<ContainerRiskContext>;
  /** Warnings about its settings go here, once, at the first start. */
  log: (message: string) => void;
  /** How the refusal says to allow it anyway; default {@link ALLOW_DANGEROUS_CONTAINER_KNOB}. */
  allowKnob?: string;
  /** The user commands run as (`terminal.docker.user`, resolved): checked to exist in the container at each look-up. */
  user?: string;
}

/**
 * An existing container used as is (mom's `--sandbox=docker:NAME`): it is
 * never created, started, replaced, stopped or removed. When it is missing or
 * not running, `ensureRunning` rejects with `UNAVAILABLE` and the command that
 * fixes it; when it is privileged or holds an engine socket, with `INVALID`
 * unless `allowDangerous`. Its other dangerous settings are logged once.
 */
export function createAttachedContainer(docker: Docker, name: string, options: AttachedContainerOptions): ContainerTarget {
  let ready: Promise<string> | undefined;
  let warned = false;
  const lookUp = async (): Promise<string> => {
    let info: AttachedContainerInfo;
    try {
      info = await inspectAttachedContainer(docker, name, options.workspacePath, await options.riskContext());
    } catch (error) {
      if (isConnectionError(error)) throw engineUnreachableError(error, `looking up container ${name}`);
      throw new BackendError("UNAVAILABLE", `Cannot inspect container ${name}: ${engineMessage(error)}.`, { cause: error });
    }
    if (!info.exists) throw new BackendError("UNAVAILABLE", `Container ${name} does not exist. ${info.fix}`);
    // Refused before anything else: starting it would not make it safe.
    const risks = info.risks ?? [];
    if (!options.allowDangerous) {
      const refused = refusedContainerError(name, risks, options.allowKnob ?? ALLOW_DANGEROUS_CONTAINER_KNOB);
      if (refused) throw refused;
    }
    if (!info.running) throw new BackendError("UNAVAILABLE", `Container ${name} is ${info.state}, not running. Start it: \`${info.fix}\``);
    if (!warned) {
      warned = true;
      for (const line of containerRiskWarnings(name, risks)) options.log(line);
    }
    await assertContainerUserExists(docker, info.id!, options.user, info.image ?? name);
    return info.id!;
  };
  return {
    name,
    managed: false,
    keepWarm: true,
    ensureRunning() {
      ready ??= lookUp().catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      return ready;
    },
    invalidate() {
      ready = undefined;
    },
    async stop() {
      // Never stops a container it did not create.
    },
  };
}
