import { DEFAULT_KILL_GRACE_MS, processTreeKillScript, runLocalScript } from "@monoclaw/core/backend";

/**
 * Ends a host command and everything it started: TERM to its process group
 * and, through `processTreeKillScript`, to every process carrying its run
 * marker (which finds `setsid`/`nohup`/double-forked children); after
 * `graceMs` (sooner when all are gone) KILL to both. Resolves once nothing
 * marked is left and the group is gone or killed. Never throws.
 */
export async function killHostProcessTree(options: { marker: string; pgid?: number | undefined; graceMs?: number }): Promise<void> {
  const graceMs = options.graceMs ?? DEFAULT_KILL_GRACE_MS;
  const { pgid } = options;
  if (pgid !== undefined) signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  await runLocalScript(processTreeKillScript({ marker: options.marker, graceMs }));
  if (pgid === undefined) return;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  signalGroup(pgid, "SIGKILL");
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
