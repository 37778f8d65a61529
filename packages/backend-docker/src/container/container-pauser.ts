import type Docker from "dockerode";
import { statusCodeOf } from "../engine/engine-errors.js";

/**
 * `idle_action: pause`: freezes an idle container (its processes and the
 * backend's open shells stay, frozen by the cgroup freezer) and thaws it on
 * the next call, which costs far less than starting a stopped container and
 * re-opening its shells.
 */
export interface ContainerPauser {
  /** Pauses the container (called when idle, with no call in flight). */
  pause(): Promise<void>;
  /** Unpauses it when this process paused it; a no-op otherwise. Every call goes through here first. */
  resume(): Promise<void>;
}

export function createContainerPauser(docker: () => Promise<Docker>, name: string, log: (message: string) => void): ContainerPauser {
  // Pending or done pause; resume waits for it so a call arriving mid-pause never meets a frozen shell.
  let paused: Promise<boolean> | undefined;
  let resuming: Promise<void> | undefined;

  return {
    pause() {
      if (paused) return paused.then(() => undefined);
      paused = docker()
        .then((d) => d.getContainer(name).pause())
        .then(
          () => true,
          (error: unknown) => {
            // 409: not running (stopped behind our back): nothing to thaw later.
            if (statusCodeOf(error) !== 409 && statusCodeOf(error) !== 404) log(`Could not pause container ${name}: ${(error as Error).message}`);
            return false;
          },
        );
      return paused.then(() => undefined);
    },
    resume() {
      if (!paused) return Promise.resolve();
      resuming ??= (async () => {
        const wasPaused = await paused;
        paused = undefined;
        if (!wasPaused) return;
        try {
          await (await docker()).getContainer(name).unpause();
        } catch (error) {
          // 409 "not paused" / 404: someone else thawed or removed it; the call's own recovery handles the rest.
          if (statusCodeOf(error) !== 409 && statusCodeOf(error) !== 404) throw error;
        }
      })().finally(() => {
        resuming = undefined;
      });
      return resuming;
    },
  };
}
