import { capturedText } from "../backend/output-capture.js";
import type { ExecutionBackend } from "../backend/execution-backend.js";

/**
 * A number no other test uses, for `sleep <n>`: a command line that can be
 * found again in `/proc/<pid>/cmdline`.
 */
export function uniqueSleepSeconds(): number {
  return 31_000_000 + Math.floor(Math.random() * 8_999_999);
}

/**
 * The `/proc/<pid>/cmdline` files, as seen THROUGH the backend (so inside its
 * container for Docker), of processes having `n` as a whole argument. The
 * pattern is written so neither the probe's own `grep` nor its shell matches
 * it. Zombies (already dead, not yet reaped) have an empty cmdline and do not
 * count.
 */
export async function processesWithArgument(backend: ExecutionBackend, n: number): Promise<string[]> {
  const digits = String(n);
  const pattern = `${digits.slice(0, -1)}[${digits.slice(-1)}]`;
  const result = await backend.exec(`grep -l -z -x -e '${pattern}' /proc/[0-9]*/cmdline 2>/dev/null; true`, { timeoutMs: 60_000 });
  return capturedText(result.stdout)
    .split("\n")
    .filter((line) => line.startsWith("/proc/"));
}

/**
 * Waits (up to `withinMs`) for every process having `n` as an argument to be
 * gone and returns those still there. A `sleep <n>` never ends by itself, so
 * whatever is left after the wait survived the kill.
 */
export async function survivingProcesses(backend: ExecutionBackend, n: number, withinMs = 5000): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const found = await processesWithArgument(backend, n);
    if (found.length === 0 || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * One way a command can start a process that outlives its shell. `start(n)`
 * is POSIX sh (busybox ash, dash, bash) that starts `expected` processes
 * having `n` as a whole argument and returns at once; where the shell lacks
 * the feature (`disown`, `exec -a`, `nohup` in busybox), the nearest
 * equivalent runs instead, so every route runs on every backend.
 */
export interface EscapeRoute {
  name: string;
  start(n: number): string;
  /** How many `n` processes `start` leaves running (at least). */
  expected: number;
}

// An absolute path: `env -i` clears PATH.
const SLEEP = '"$(command -v sleep)"';

/** Every escape route the kill must close (issue 11): each is a conformance case on every backend. */
export const ESCAPE_ROUTES: readonly EscapeRoute[] = [
  { name: "a background job (&)", expected: 1, start: (n) => `sleep ${n} >/dev/null 2>&1 &` },
  {
    name: "nohup",
    expected: 1,
    start: (n) => `if command -v nohup >/dev/null 2>&1; then nohup sleep ${n} >/dev/null 2>&1 & else (trap '' HUP; exec sleep ${n}) >/dev/null 2>&1 & fi`,
  },
  { name: "setsid", expected: 1, start: (n) => `setsid sleep ${n} >/dev/null 2>&1 &` },
  { name: "disown", expected: 1, start: (n) => `sleep ${n} >/dev/null 2>&1 & { command -v disown >/dev/null 2>&1 && disown; } 2>/dev/null; true` },
  { name: "a double fork ( cmd & )", expected: 1, start: (n) => `(sleep ${n} >/dev/null 2>&1 &)` },
  { name: "env -i (environment cleared)", expected: 1, start: (n) => `env -i ${SLEEP} ${n} >/dev/null 2>&1 &` },
  { name: "env -u MONOCLAW_RUN_ID (marker unset)", expected: 1, start: (n) => `env -u MONOCLAW_RUN_ID ${SLEEP} ${n} >/dev/null 2>&1 &` },
  {
    name: "exec -a (renamed)",
    expected: 1,
    start: (n) =>
      `if command -v bash >/dev/null 2>&1; then bash -c 'exec -a mc-renamed sleep ${n}' >/dev/null 2>&1 & else (exec sleep ${n}) >/dev/null 2>&1 & fi`,
  },
  { name: "a process that ignores TERM", expected: 1, start: (n) => `(trap '' TERM HUP; exec sleep ${n}) >/dev/null 2>&1 &` },
  {
    name: "setsid env -i (new session, cleared environment: the escape issue 11 reported)",
    expected: 1,
    start: (n) => `setsid env -i ${SLEEP} ${n} >/dev/null 2>&1 &`,
  },
  {
    name: "setsid + env -i + double fork (new session, cleared environment, re-parented)",
    expected: 1,
    start: (n) => `(setsid env -i ${SLEEP} ${n} >/dev/null 2>&1 &)`,
  },
  {
    name: "a loop that forks faster than it is killed (TERM ignored, children double-forked with a cleared environment)",
    expected: 20,
    start: (n) =>
      `(trap '' TERM; s=${SLEEP}; i=0; while [ $i -lt 300 ]; do (env -i "$s" ${n} >/dev/null 2>&1 &); i=$((i+1)); done; exec sleep ${n}) >/dev/null 2>&1 &`,
  },
];

/** A command that starts `route`'s processes, prints "started" and sleeps in the foreground (ignoring TERM, so only KILL ends it). */
export function escapeRouteCommand(route: EscapeRoute, n: number): string {
  return `${route.start(n)}\necho started\n${FOREGROUND(n)}`;
}

/** The foreground process of the probe commands: ignores TERM (only KILL ends it); a subshell, so a session shell's own traps stay as they were. */
const FOREGROUND = (n: number): string => `(trap '' TERM; exec sleep ${n})`;

/**
 * A command that starts `sleep <n>` every way in {@link ESCAPE_ROUTES} at
 * once, prints "started" and sleeps in the foreground, ignoring TERM.
 * {@link PROCESS_TREE_MINIMUM} processes having `n` as an argument run once
 * it is all started.
 */
export function processTreeCommand(n: number): string {
  return [...ESCAPE_ROUTES.map((route) => route.start(n)), "echo started", FOREGROUND(n)].join("\n");
}

/** How many `n` processes {@link processTreeCommand} runs (at least) once started. */
export const PROCESS_TREE_MINIMUM = ESCAPE_ROUTES.reduce((sum, route) => sum + route.expected, 1);
