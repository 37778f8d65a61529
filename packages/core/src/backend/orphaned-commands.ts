import { readdirSync, readFileSync } from "node:fs";
import { runLocalScript } from "./local-script.js";
import { processTreeKillScript } from "./process-tree-kill.js";
import { RUN_MARKER_VARIABLE } from "./run-marker.js";
import { isProcessOwnerAlive, processOwnerName } from "./spill-directory.js";

/**
 * A run marker naming this process as the owner of every command it starts:
 * `mcpid<pid>-<start ticks>.`. Set as `MONOCLAW_RUN_ID` before a backend is
 * created, it becomes the prefix of each command's marker, so when this
 * process dies without cleaning up (SIGKILL) a later one can tell that the
 * commands still carrying it have no owner (see {@link sweepOrphanedCommands}).
 */
export function ownerRunMarker(): string {
  return `mcpid${processOwnerName()}.`;
}

const OWNER_MARKER = /^mcpid(\d+-\d+)\./;

/**
 * Ends (TERM, then KILL) every process of this user whose `MONOCLAW_RUN_ID`
 * names an owner that is no longer running: the trees a MonoClaw killed with
 * SIGKILL left behind. Linux (`/proc`) only; elsewhere it finds nothing.
 * Returns the owner markers swept. Never throws.
 */
export async function sweepOrphanedCommands(): Promise<string[]> {
  const orphaned = new Set<string>();
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const pid of pids) {
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue; // gone, or another user's
    }
    const entry = environ.split("\0").find((item) => item.startsWith(`${RUN_MARKER_VARIABLE}=`));
    const match = entry === undefined ? null : OWNER_MARKER.exec(entry.slice(RUN_MARKER_VARIABLE.length + 1));
    if (match !== null && !isProcessOwnerAlive(match[1]!)) orphaned.add(`mcpid${match[1]}.`);
  }
  for (const marker of orphaned) await runLocalScript(processTreeKillScript({ marker, graceMs: 500 })).catch(() => undefined);
  return [...orphaned];
}
