import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import type { ContainerTarget } from "./container-target.js";
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
}

/** Inspects a container by name without changing it. Never throws for a missing container. */
export async function inspectAttachedContainer(docker: Docker, name: string, workspacePath: string): Promise<AttachedContainerInfo> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await docker.getContainer(name).inspect();
  } catch (error) {
    if (statusCodeOf(error) === 404) {
      return { name, exists: false, running: false, fix: `Create it, e.g. \`docker run -d --name ${name} -v /path/to/data:${workspacePath} alpine:latest tail -f /dev/null\`` };
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
  };
}

/**
 * An existing container used as is (mom's `--sandbox=docker:NAME`): it is
 * never created, started, replaced, stopped or removed. When it is missing or
 * not running, `ensureRunning` rejects with `UNAVAILABLE` and the command that
 * fixes it.
 */
export function createAttachedContainer(docker: Docker, name: string, workspacePath: string): ContainerTarget {
  let ready: Promise<string> | undefined;
  const lookUp = async (): Promise<string> => {
    let info: AttachedContainerInfo;
    try {
      info = await inspectAttachedContainer(docker, name, workspacePath);
    } catch (error) {
      if (isConnectionError(error)) throw engineUnreachableError(error, `looking up container ${name}`);
      throw new BackendError("UNAVAILABLE", `Cannot inspect container ${name}: ${engineMessage(error)}.`, { cause: error });
    }
    if (!info.exists) throw new BackendError("UNAVAILABLE", `Container ${name} does not exist. ${info.fix}`);
    if (!info.running) throw new BackendError("UNAVAILABLE", `Container ${name} is ${info.state}, not running. Start it: \`${info.fix}\``);
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
