import { RUN_MARKER_VARIABLE, assertRunMarker } from "./run-marker.js";

/** Default wait between TERM and KILL: long enough for a clean exit, short enough to keep timeouts prompt. */
export const DEFAULT_KILL_GRACE_MS = 2000;

export interface ProcessTreeKillScriptOptions {
  /** Marker value (see `newRunMarker`); every process whose environment holds `MONOCLAW_RUN_ID=<marker>...` is ended. */
  marker: string;
  /** Milliseconds between TERM and KILL. Default {@link DEFAULT_KILL_GRACE_MS}. */
  graceMs?: number;
  /**
   * A signal sent to one process before the scan, e.g. `USR1` to the session
   * shell so its trap abandons the rest of the command (see the shell session).
   */
  signalFirst?: { pid: number; signal: "USR1" | "USR2" | "INT" | "TERM" | "HUP" };
  /**
   * Also end the subshells a session shell forked for the current command.
   * Subshells that never exec a program carry the shell's original
   * environment (`MONOCLAW_RUN_ID=<marker>` exactly), not the command's
   * marker; the shell protocol names the shell `comm` (via
   * `/proc/self/comm`) before each command, and forks inherit that name. So:
   * processes whose environment holds exactly `MONOCLAW_RUN_ID=<marker>` and
   * whose `/proc/<pid>/comm` is `comm`, except `excludePid` (the shell).
   * Background subshells of earlier commands have other names and are left alone.
   */
  shellForks?: { marker: string; comm: string; excludePid: number };
}

/**
 * A POSIX `sh` script (dash, bash, busybox ash; needs only `grep -z`, `kill` and
 * `sleep`) that ends every process carrying a run marker, wherever they were
 * re-parented: it finds them by scanning `/proc/<pid>/environ`, sends TERM,
 * polls every 50 ms until they are gone or `graceMs` passed, then sends KILL
 * in rounds until none is left (new children forked meanwhile are caught by
 * the next round).
 *
 * Run it with the same view of `/proc` as the command (on the host; inside the
 * container with one exec for Docker), from a process whose own environment
 * does not carry the marker. It never signals itself. Exit status 0 when no
 * marked process remains, 1 when some survived 20 KILL rounds. Without
 * `/proc` it finds nothing and exits 0 (the caller's process-group kill is the
 * fallback there).
 */
export function processTreeKillScript(options: ProcessTreeKillScriptOptions): string {
  const marker = assertRunMarker(options.marker);
  const graceMs = options.graceMs ?? DEFAULT_KILL_GRACE_MS;
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new TypeError(`graceMs must be a non-negative number, got ${graceMs}`);
  const graceRounds = Math.ceil(graceMs / 50);
  const first = options.signalFirst;
  if (first !== undefined && !(Number.isInteger(first.pid) && first.pid > 1)) {
    throw new TypeError(`signalFirst.pid must be a process id above 1, got ${first.pid}`);
  }
  const forks = options.shellForks;
  if (forks !== undefined) {
    assertRunMarker(forks.marker);
    if (!/^[A-Za-z0-9_-]{1,15}$/.test(forks.comm)) throw new TypeError(`shellForks.comm must be 1-15 letters, digits, '_' or '-', got ${JSON.stringify(forks.comm)}`);
    if (!(Number.isInteger(forks.excludePid) && forks.excludePid > 0)) throw new TypeError(`shellForks.excludePid must be a process id, got ${forks.excludePid}`);
  }
  return [
    `m='${RUN_MARKER_VARIABLE}=${marker}'`,
    "self=$$",
    "nap() { sleep 0.05 2>/dev/null || sleep 1; }",
    ...(forks === undefined ? [] : [`fm='${RUN_MARKER_VARIABLE}=${forks.marker}'`]),
    "scan() {",
    "  pids=",
    '  for f in $(grep -z -l -F -e "$m" /proc/[0-9]*/environ 2>/dev/null); do',
    "    p=${f#/proc/}; p=${p%/environ}",
    '    [ "$p" = "$self" ] || pids="$pids $p"',
    "  done",
    ...(forks === undefined
      ? []
      : [
          '  for f in $(grep -z -x -l -F -e "$fm" /proc/[0-9]*/environ 2>/dev/null); do',
          "    p=${f#/proc/}; p=${p%/environ}",
          `    [ "$p" = "$self" ] || [ "$p" = ${forks.excludePid} ] && continue`,
          "    c=; read -r c 2>/dev/null </proc/$p/comm",
          `    [ "$c" = '${forks.comm}' ] && pids="$pids $p"`,
          "  done",
        ]),
    "}",
    first === undefined ? "" : `kill -${first.signal} ${first.pid} 2>/dev/null`,
    "scan",
    '[ -z "$pids" ] && exit 0',
    "kill -TERM $pids 2>/dev/null",
    "i=0",
    `while [ $i -lt ${graceRounds} ]; do`,
    '  nap; scan; [ -z "$pids" ] && exit 0',
    "  i=$((i+1))",
    "done",
    "i=0",
    "while [ $i -lt 20 ]; do",
    '  scan; [ -z "$pids" ] && exit 0',
    "  kill -KILL $pids 2>/dev/null",
    "  nap; i=$((i+1))",
    "done",
    "exit 1",
    "",
  ].join("\n");
}
