import { setTimeout as delay } from "node:timers/promises";
import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import { describeCommands, listRunningCommands, type ContainerActivity } from "./running-commands.js";

/** How long a settings change waits by default for commands in the old container before refusing to replace it. */
export const DEFAULT_RUNNING_COMMANDS_WAIT_MS = 60_000;
const POLL_MS = 250;

export interface RunningCommandsWait {
  name: string;
  containerId: string;
  /** What the replacement applies, for messages: `the new terminal.docker.memory`. */
  applying: string;
  waitMs: number;
  log: (message: string) => void;
}

/**
 * Before a container is replaced: waits (up to `waitMs`) until no MonoClaw
 * command of any process runs in it, so a settings change never kills one.
 * Says once what it waits for. Resolves with what is left (leftovers of ended
 * commands, which nobody waits for), or undefined when the container went
 * away or stopped meanwhile. Rejects with `UNAVAILABLE` naming the commands
 * and how to proceed when they still run after `waitMs`.
 */
export async function waitForRunningCommands(docker: Docker, wait: RunningCommandsWait): Promise<ContainerActivity | undefined> {
  const deadline = Date.now() + wait.waitMs;
  let announced = false;
  for (;;) {
    const activity = await listRunningCommands(docker, wait.containerId);
    if (activity === undefined || activity.running.length === 0) {
      if (announced) wait.log(`Container ${wait.name}: the running commands ended; applying ${wait.applying.replace(/^the /, "")}`);
      return activity;
    }
    const what = `${countOf(activity.running.length)} in container ${wait.name} (${describeCommands(activity.running)})`;
    if (Date.now() >= deadline) {
      throw new BackendError(
        "UNAVAILABLE",
        `Cannot apply ${wait.applying}: replacing container ${wait.name} would kill ${what}, still running after ${Math.round(wait.waitMs / 1000)} s. ` +
          `Wait for it to finish and try again, or end it now with \`monoclaw sandbox stop ${wait.name}\` (or \`docker stop ${wait.name}\`) and try again.`,
      );
    }
    if (!announced) {
      announced = true;
      wait.log(
        `Waiting for ${what} before applying ${wait.applying} (up to ${Math.round(wait.waitMs / 1000)} s; \`monoclaw sandbox stop ${wait.name}\` ends it now)`,
      );
    }
    await delay(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}

function countOf(n: number): string {
  return n === 1 ? "1 running command" : `${n} running commands`;
}
