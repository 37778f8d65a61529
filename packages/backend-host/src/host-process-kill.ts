import { existsSync } from "node:fs";
import { DEFAULT_KILL_GRACE_MS, processTreeKillScript, runLocalScript } from "@monoclaw/core/backend";

export interface HostProcessTreeKillOptions {
  /** The command's (or the backend's) run marker. */
  marker: string;
  /**
   * The command's shell, started as a session and process-group leader
   * (detached) and, where possible, as a child subreaper: it is held
   * (stopped) while the rest get TERM, its session's members are found even
   * after re-parenting, and it is killed last.
   */
  shellPid?: number | undefined;
  graceMs?: number;
}

/**
 * Ends a host command and everything it started, with
 * `processTreeKillScript` run locally: every process carrying the marker,
 * every member of the shell's session, every descendant of those (the shell
 * adopts orphans when it is a subreaper), TERM first, KILL after `graceMs`
 * (sooner when all are gone), freezing a fast forker before the KILL.
 * Without `/proc` (not Linux) only the shell's process group is signalled.
 * Resolves once nothing is left. Never throws.
 */
export async function killHostProcessTree(options: HostProcessTreeKillOptions): Promise<void> {
  const graceMs = options.graceMs ?? DEFAULT_KILL_GRACE_MS;
  const { shellPid } = options;
  if (!existsSync("/proc/self/stat")) {
    if (shellPid !== undefined) await killGroup(shellPid, graceMs);
    return;
  }
  const shell = shellPid === undefined ? {} : { sessionId: shellPid, holdPid: shellPid };
  await runLocalScript(processTreeKillScript({ marker: options.marker, graceMs, ...shell }));
}

async function killGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
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
