import { setTimeout as delay } from "node:timers/promises";
import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import { engineUnreachableError, isConnectionError, statusCodeOf } from "../engine/engine-errors.js";

/** Where a command ran: enough to tell afterwards whether its container went away under it. */
export interface CommandPlace {
  /** The container's name, for the message. */
  name: string;
  /** The id of the container the command ran in (the name may point to another one by now). */
  containerId: string;
  /** The container's `State.StartedAt` when the command's shell opened: a different one later means it was restarted meanwhile. */
  startedAt: string | undefined;
  /** False for the user's own (attached) container, which MonoClaw never starts or recreates. */
  managed?: boolean;
}

/**
 * Why a command died, when the reason is its container: removed (`docker rm
 * -f`, another MonoClaw replacing it), stopped (`docker stop`, an engine
 * restart) or restarted while the command ran. Returns a BackendError
 * (`UNAVAILABLE`) saying so, with the command's exit code, or undefined when
 * the container still runs as before (the command died of something else).
 * Inspects by id, so a same-named successor does not hide the loss.
 */
export async function containerLossError(docker: Docker, place: CommandPlace, exitCode?: number): Promise<BackendError | undefined> {
  let what: string;
  try {
    const info = await settledInspect(docker, place);
    if (info === undefined) return undefined;
    if (info.State.Status === "removing" || info.State.Dead) what = "was removed (`docker rm -f`, `monoclaw sandbox rm` or another MonoClaw)";
    else if (!info.State.Running) what = "was stopped (`docker stop`, an engine restart or `monoclaw sandbox stop`)";
    else what = "was restarted";
  } catch (error) {
    if (isConnectionError(error)) return engineUnreachableError(error, `running a command in ${place.name}`);
    if (statusCodeOf(error) !== 404) {
      return new BackendError("UNAVAILABLE", `Container ${place.name} went away while this command ran: ${(error as Error).message}`, { cause: error });
    }
    what = (await hasSuccessor(docker, place))
      ? "was removed and replaced by a new one (another MonoClaw with different terminal.docker settings, or `docker rm -f`)"
      : "was removed (`docker rm -f`, `monoclaw sandbox rm` or another MonoClaw)";
  }
  const exit = exitCode === undefined ? "" : ` (exit ${exitCode})`;
  return new BackendError(
    "UNAVAILABLE",
    `The container ${place.name} ${what} while this command ran${exit}: the command was killed with it. ${
      place.managed === false
        ? `Start ${place.name} again (MonoClaw never starts an attached container) and run it again.`
        : "Run it again; MonoClaw starts the container anew."
    }`,
  );
}

/** How long a container that still looks as before is watched: the engine updates its state a moment after the kill that ended the command. */
const SETTLE_MS = 1500;

/** The container's state once it changed, or undefined when it still runs as when the shell opened after {@link SETTLE_MS}. Throws the engine's error (404). */
async function settledInspect(docker: Docker, place: CommandPlace): Promise<Docker.ContainerInspectInfo | undefined> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const info = await docker.getContainer(place.containerId).inspect();
    const asBefore = info.State.Running && (place.startedAt === undefined || info.State.StartedAt === place.startedAt);
    if (!asBefore) return info;
    if (Date.now() >= deadline) return undefined;
    await delay(100);
  }
}

async function hasSuccessor(docker: Docker, place: CommandPlace): Promise<boolean> {
  const info = await docker
    .getContainer(place.name)
    .inspect()
    .catch(() => undefined);
  return info !== undefined && info.Id !== place.containerId;
}

/** The container's `State.StartedAt` now, recorded when a shell opens (undefined when it cannot be read). */
export async function containerStartedAt(docker: Docker, containerId: string): Promise<string | undefined> {
  const info = await docker
    .getContainer(containerId)
    .inspect()
    .catch(() => undefined);
  return info?.State.StartedAt;
}
