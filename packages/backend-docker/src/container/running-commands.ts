import type Docker from "dockerode";
import { RUN_MARKER_VARIABLE } from "@monoclaw/core/backend";
import { runContainerExec } from "../exec/container-exec.js";
import { statusCodeOf } from "../engine/engine-errors.js";

/** A command some MonoClaw process (this one or another) is running in a container. */
export interface RunningCommand {
  /** Its top process, as the container numbers it. */
  pid: number;
  /** Its command line, shortened and stripped of control characters (safe to print). */
  command: string;
}

/** What {@link listRunningCommands} found. */
export interface ContainerActivity {
  /** Commands in flight: a caller is waiting for their result. */
  running: RunningCommand[];
  /** Processes earlier commands left behind (`&`, `nohup`), reparented to PID 1: nobody waits for them, but replacing the container ends them. */
  background: RunningCommand[];
}

/**
 * Lists each process carrying a run marker, and the uids whose processes
 * this user may not read (`/proc/<pid>/environ` is readable by the same uid
 * AND gid only: the engine's root exec has no CAP_SYS_PTRACE), as lines:
 * `P <pid> <ppid> <marker> <cmdline>` and `U <uid>:<gid>`. One `grep` reads every
 * environment; only marked processes cost a fork.
 */
export const MARKED_PROCESSES_SCRIPT = [
  "for d in /proc/[0-9]*; do",
  '  { true < "$d/environ"; } 2>/dev/null && continue',
  '  u=; while read -r k v _; do case $k in Uid:) u=$v ;; Gid:) echo "U $u:$v"; break ;; esac; done < "$d/status" 2>/dev/null',
  "done",
  `grep -Haz '^${RUN_MARKER_VARIABLE}=mc' /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | while IFS= read -r hit; do`,
  "  p=${hit#/proc/}; p=${p%%/*}; m=${hit#*:" + RUN_MARKER_VARIABLE + "=}",
  '  read -r s < "/proc/$p/stat" 2>/dev/null || continue',
  "  r=${s##*) }; set -- $r",
  `  c=$(tr '\\0\\n' '  ' < "/proc/$p/cmdline" 2>/dev/null)`,
  '  echo "P $p $2 $m $c"',
  "done",
].join("\n");

const MARKER = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+\.)*$/;
const SHOWN_COMMAND_CHARS = 80;

interface MarkedProcess {
  pid: number;
  ppid: number;
  marker: string;
  command: string;
}

/**
 * Asks a running container what MonoClaw commands run in it, whichever
 * process started them: every command carries `MONOCLAW_RUN_ID=<session
 * marker><n>.` (a child marker), while the backends' idle shells carry only
 * their session marker. A command is in flight while its top process is an
 * exec's own process (parent pid 0: a one-off command, `sandbox shell`) or a
 * child of the shell that runs it; what an ended command left behind has
 * been reparented to PID 1 (tini). Resolves undefined when the container is
 * gone or not running (nothing can be running in it).
 *
 * Limits: a session command made only of shell builtins starts no process
 * and is not seen; a background job of a session's last command that is
 * still the shell's child counts as running.
 */
export async function listRunningCommands(docker: Docker, containerId: string): Promise<ContainerActivity | undefined> {
  const processes = new Map<number, MarkedProcess>();
  const scanAs = async (user: string): Promise<Set<string>> => {
    let output = "";
    await runContainerExec(docker, containerId, {
      cmd: ["/bin/sh", "-c", MARKED_PROCESSES_SCRIPT],
      user,
      onOutput: (stream, chunk) => {
        if (stream === "stdout") output += Buffer.from(chunk).toString("utf8");
      },
    });
    const parsed = parseMarkedProcesses(output);
    for (const process of parsed.processes) processes.set(process.pid, process);
    return parsed.unreadableOwners;
  };
  try {
    const others = await scanAs("0");
    for (const owner of others) if (owner !== "0:0") await scanAs(owner);
  } catch (error) {
    const status = statusCodeOf(error);
    if (status === 404 || status === 409) return undefined;
    throw error;
  }
  return classifyMarkedProcesses([...processes.values()]);
}

/** Parses {@link MARKED_PROCESSES_SCRIPT}'s output; lines that do not fit (a process naming itself oddly) are dropped. */
export function parseMarkedProcesses(output: string): { processes: MarkedProcess[]; unreadableOwners: Set<string> } {
  const processes: MarkedProcess[] = [];
  const unreadableOwners = new Set<string>();
  for (const line of output.split("\n")) {
    const uid = /^U (\d+:\d+)$/.exec(line);
    if (uid) {
      unreadableOwners.add(uid[1]!);
      continue;
    }
    const marked = /^P (\d+) (\d+) (\S+) ?(.*)$/.exec(line);
    if (!marked || !MARKER.test(marked[3]!)) continue;
    processes.push({ pid: Number(marked[1]), ppid: Number(marked[2]), marker: marked[3]!, command: printableCommand(marked[4]!) });
  }
  return { processes, unreadableOwners };
}

/** Splits marked processes into in-flight commands (one entry per command: its top process) and leftovers of ended ones. */
export function classifyMarkedProcesses(processes: readonly MarkedProcess[]): ContainerActivity {
  const byPid = new Map(processes.map((process) => [process.pid, process]));
  const activity: ContainerActivity = { running: [], background: [] };
  for (const process of [...processes].sort((a, b) => a.pid - b.pid)) {
    if (markerDepth(process.marker) < 2) continue; // an idle shell of a backend, not a command
    const parent = byPid.get(process.ppid);
    if (parent?.marker === process.marker) continue; // inside a command already counted by its top process
    const shellOfCommand = parent !== undefined && parent.marker !== process.marker && process.marker.startsWith(parent.marker);
    const entry = { pid: process.pid, command: process.command };
    if (process.ppid === 0 || shellOfCommand) activity.running.push(entry);
    else activity.background.push(entry);
  }
  return activity;
}

/** `pid 12: sleep 30`, for messages; several joined with `; `. */
export function describeCommands(commands: readonly RunningCommand[], most = 3): string {
  const shown = commands.slice(0, most).map((c) => `pid ${c.pid}: ${c.command}`);
  if (commands.length > most) shown.push(`and ${commands.length - most} more`);
  return shown.join("; ");
}

function markerDepth(marker: string): number {
  return marker.split(".").length - 1;
}

/** A container's process names are its own: no terminal escapes reach the user's screen, and no line is endless. */
function printableCommand(raw: string): string {
  const clean = raw.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?").trim();
  return clean.length > SHOWN_COMMAND_CHARS ? `${clean.slice(0, SHOWN_COMMAND_CHARS - 1)}…` : clean;
}
