import { setTimeout as delay } from "node:timers/promises";
import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import { buildContainerSpec, withCreatedAt, type ContainerSpecInput } from "./container-spec.js";
import { LABEL_CONFIG_HASH, LABEL_MANAGED_BY, MANAGED_BY_VALUE } from "./container-labels.js";
import { engineMessage, engineUnreachableError, isConnectionError, statusCodeOf } from "../engine/engine-errors.js";
import { ensureImage, type ProgressEvent } from "../image/image-pull.js";
import type { ContainerTarget } from "./container-target.js";
import { unknownRuntimeMessage } from "./isolation-runtime.js";
import { resourceLimitMessage } from "./resource-limit-errors.js";
import { refuseIgnoredRuntime, warnDroppedLimits } from "./engine-honours-settings.js";
import { claimPoolMember, createPoolMember, refillPool } from "./warm-pool.js";
import { changedSettings, newSettingsPhrase } from "./changed-settings.js";
import { describeCommands } from "./running-commands.js";
import { DEFAULT_RUNNING_COMMANDS_WAIT_MS, waitForRunningCommands } from "./wait-for-running-commands.js";
import { podmanStartFailureMessage } from "../engine/podman-hints.js";

export interface ManagedContainerOptions {
  docker: Docker;
  spec: Omit<ContainerSpecInput, "imageId">;
  keepWarm: boolean;
  log: (message: string) => void;
  onPullProgress?: (event: ProgressEvent) => void;
  /** Told when no container of that name existed and this process creates one (not on reuse or replacement). */
  onCreated?: () => void;
  /** Take a ready container from the warm pool before creating one (`warm_pool`, session scope). */
  claimFromPool?: boolean;
  /**
   * Before anything else: a member this process holds (see warm-pool-keeper.ts), already renamed to this
   * container's name, or undefined (none ready, or the name is taken: then the usual look-up finds its holder).
   */
  claimHeld?: () => Promise<string | undefined>;
  /** Runs once after this process created (not reused) the container, e.g. to chown the workdir. */
  prepare?: (containerId: string) => Promise<void>;
  /** How long a settings change waits for commands running in the old container (any process's) before refusing to replace it. Default 60 s. */
  runningCommandsWaitMs?: number;
}

/**
 * A container MonoClaw owns: created lazily under a deterministic name with
 * our labels and a hash of its effective configuration; reused when a running
 * or stopped one with the same hash exists (another process may have created
 * it); replaced when the hash differs (config changed or image rebuilt), but
 * never under a running command: the replacement waits for the commands any
 * process runs in it, and refuses naming them when they outlast the wait;
 * recreated when it disappeared. A same-named container without our labels is
 * never touched: that is an error telling the user what to do.
 */
export function createManagedContainer(options: ManagedContainerOptions): ContainerTarget {
  const { docker, log } = options;
  const name = options.spec.name;
  let ready: Promise<string> | undefined;

  const bringUp = async (): Promise<string> => {
    // A held member was made by this process from these settings moments ago: no image check, no look-up.
    const held = await options.claimHeld?.();
    if (held !== undefined) return held;
    // The first look at the name goes with the image check (one round trip less before a claim or a reuse); it is
    // only trusted when no pull came between (a pull takes long enough for the name to change hands).
    let pulled = false;
    await refuseIgnoredRuntime(docker, options.spec.config.runtime);
    const [image, firstLook] = await Promise.all([
      ensureImage(docker, options.spec.config.image, options.spec.config.pull, (event) => {
        pulled = true;
        options.onPullProgress?.(event);
      }),
      inspectOrUndefined(docker, name),
    ]);
    const spec = buildContainerSpec({ ...options.spec, imageId: image.Id });
    let replacing = false;
    for (let attempt = 0; attempt < 12; attempt++) {
      const info = attempt === 0 && !pulled ? firstLook : await inspectOrUndefined(docker, name);
      if (!info) {
        if (!replacing) options.onCreated?.();
        if (options.claimFromPool) {
          const claimed = await claimPoolMember(docker, spec);
          if (claimed !== undefined) return claimed;
        }
        await warnDroppedLimits(docker, log);
        let containerId: string;
        try {
          containerId = (await docker.createContainer(withCreatedAt(spec))).id;
        } catch (error) {
          if (statusCodeOf(error) === 409) {
            // Another process holds the name: its container may not be inspectable yet. Look again shortly, then use theirs.
            await delay(25 * (attempt + 1));
            continue;
          }
          throw creationError(error, name, options.spec.config);
        }
        try {
          // Another process that found it in `Created` may have started it already (304).
          await startQuietly(docker, containerId);
          await options.prepare?.(containerId);
        } catch (error) {
          // Never leave a half-made container behind in `Created`.
          await docker
            .getContainer(containerId)
            .remove({ force: true, v: true })
            .catch(() => undefined);
          throw creationError(error, name, options.spec.config);
        }
        return containerId;
      }
      const labels = info.Config.Labels ?? {};
      if (labels[LABEL_MANAGED_BY] !== MANAGED_BY_VALUE) {
        throw new BackendError(
          "UNAVAILABLE",
          `A container named ${name} exists but MonoClaw did not create it, so it is left alone. ` +
            `Remove it (\`docker rm -f ${name}\`) or use it as is with terminal.docker.container: ${name}`,
        );
      }
      if (labels[LABEL_CONFIG_HASH] !== spec.configHash) {
        const changed = changedSettings(info, spec, image.Id);
        let leftovers = "";
        if (info.State.Running && !info.State.Paused) {
          // Paused only by an idle timer, so nothing is in flight in a paused one.
          const activity = await waitForRunningCommands(docker, {
            name,
            containerId: info.Id,
            applying: newSettingsPhrase(changed),
            waitMs: options.runningCommandsWaitMs ?? DEFAULT_RUNNING_COMMANDS_WAIT_MS,
            log,
          });
          if (activity === undefined) continue; // stopped or replaced meanwhile: look again
          if (activity.background.length > 0) leftovers = ` (this ends what earlier commands left running: ${describeCommands(activity.background)})`;
        }
        const applying = changed.length > 0 ? ` to apply ${newSettingsPhrase(changed)}` : "";
        log(`terminal.docker settings changed: replacing container ${name}${applying}${leftovers}`);
        replacing = true;
        await removeQuietly(docker, info.Id);
        continue;
      }
      if (info.State.Paused) await docker.getContainer(info.Id).unpause();
      else if (!info.State.Running) await startQuietly(docker, info.Id);
      return info.Id;
    }
    throw new BackendError("UNAVAILABLE", `Could not create or reuse container ${name}: it kept changing under us (another MonoClaw with different settings?)`);
  };

  /** Members serve whoever claims them: the image as it is now, and no session or channel id of this one's. */
  const poolMemberSpec = async () => {
    const image = await ensureImage(docker, options.spec.config.image, options.spec.config.pull, options.onPullProgress);
    const scopeOf = { kind: options.spec.scopeOf?.kind ?? "directory" } as const;
    return buildContainerSpec({ ...options.spec, scopeOf, imageId: image.Id });
  };

  return {
    name,
    managed: true,
    ensureRunning() {
      ready ??= bringUp().catch((error: unknown) => {
        ready = undefined;
        throw toBackendError(error, name);
      });
      return ready;
    },
    invalidate() {
      ready = undefined;
    },
    async stop() {
      const current = ready;
      ready = undefined;
      if (!current) return;
      const id = await current.catch(() => undefined);
      if (!id) return;
      await docker
        .getContainer(id)
        .stop({ t: 2 })
        .catch(() => undefined);
    },
    keepWarm: options.keepWarm,
    async refillPool(size, maxAgeSeconds) {
      return refillPool(docker, { spec: await poolMemberSpec(), size, maxAgeSeconds, ...(options.prepare ? { prepare: options.prepare } : {}) });
    },
    createPoolMember: async () => createPoolMember(docker, await poolMemberSpec(), options.prepare),
  };
}

async function inspectOrUndefined(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

async function removeQuietly(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    const status = statusCodeOf(error);
    if (status !== 404 && status !== 409) throw error; // 409: removal already in progress
  }
}

async function startQuietly(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).start();
  } catch (error) {
    if (statusCodeOf(error) !== 304) throw error; // 304: already started by someone else
  }
}

function creationError(error: unknown, name: string, config: ContainerSpecInput["config"]): BackendError {
  if (error instanceof BackendError) return error;
  const message = engineMessage(error);
  const limit = resourceLimitMessage(message, config);
  if (limit !== undefined) return new BackendError("INVALID", limit, { cause: error });
  const reason = podmanStartFailureMessage(message) ?? unknownRuntimeMessage(message, config.runtime) ?? message;
  return new BackendError("UNAVAILABLE", `Could not start container ${name}: ${reason}`, { cause: error });
}

/** Errors from the lifecycle become BackendErrors with a readable message. */
function toBackendError(error: unknown, name: string): BackendError {
  if (error instanceof BackendError) return error;
  if (isConnectionError(error)) {
    return engineUnreachableError(error, `preparing ${name}`);
  }
  return new BackendError("UNAVAILABLE", `Container ${name}: ${engineMessage(error)}`, { cause: error });
}
