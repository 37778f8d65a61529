import { RUN_MARKER_VARIABLE, assertRunMarker } from "./run-marker.js";
import { shellQuote } from "./shell-quote.js";

/*
 * The text the shell session protocol feeds a long-lived `sh`/`bash`.
 *
 * The init script saves the protocol's stdout/stderr as fds 7 and 8, defines
 * two functions and a USR1 trap, and prints a ready line with the shell's pid.
 * Each command is then one short message that sets a few variables and calls
 * `__mc_r`, which:
 * - runs the command text with `command eval "$__mc_c"`: the text arrives as
 *   one single-quoted word, so nothing in it can break the protocol, and
 *   `command` keeps a syntax error from ending the shell;
 * - gives it stdin from /dev/null (or a staged file), never the protocol pipe,
 *   and closes fds 7/8 for it;
 * - runs it in the current shell (inside a function), so `cd`, `export` and
 *   variables carry over; `MONOCLAW_RUN_ID=<marker>` is set for that command
 *   only (exported to what it starts, not kept);
 * - names the shell `mc<seq>` through `/proc/self/comm` first (a builtin
 *   write, no fork; silently skipped without /proc): subshells forked by the
 *   command inherit the name, which is how a timeout finds them (see
 *   `processTreeKillScript`'s `shellForks`);
 * - afterwards restores stdout/stderr (undoing an `exec >file`), the trap and,
 *   with a per-command cwd, the previous directory;
 * - prints a sentinel on stdout carrying `$?` and one on stderr: tag
 *   `__MC<sid>_<seq>:`, the status, a newline. The tag is assembled by
 *   `printf` from pieces, so `set` or `type` output never contains it.
 * On timeout or abort the protocol sends USR1 to the shell: the trap does
 * `return 124` while a command runs, which abandons the rest of the command
 * text (even a builtin loop) as soon as its current foreground process ends.
 */

const TRAP = `trap 'if [ "$__mc_in" = 1 ]; then return 124; fi' USR1`;

function runFunction(envAssignments: string): string {
  return `__mc_x() { __mc_in=1; set --; ${envAssignments}${RUN_MARKER_VARIABLE}=$__mc_m command eval "$__mc_c"; }`;
}

/** The process name (`/proc/<pid>/comm`) the shell and its subshells carry while command `seq` runs. */
export function commandComm(seq: number): string {
  return `mc${seq}`;
}

/** The tag that starts command `seq`'s sentinels. */
export function sentinelTag(sessionId: string, seq: number): string {
  return `__MC${sessionId}_${seq}:`;
}

/** The tag of the ready line the init script prints (followed by the shell's pid). */
export function readyTag(sessionId: string): string {
  return `__MC${sessionId}_ready:`;
}

/** The script written once to a new shell. `sessionId`: letters and digits, unguessable. */
export function shellInitScript(sessionId: string): string {
  if (!/^[A-Za-z0-9]+$/.test(sessionId)) throw new TypeError(`Invalid session id ${JSON.stringify(sessionId)}`);
  const sentinel = (status: string): string => `printf '__MC%s_%s:%s\\n' "$__mc_sid" "$__mc_n" ${status}; printf '__MC%s_%s:\\n' "$__mc_sid" "$__mc_n" >&2`;
  return [
    "exec 7>&1 8>&2",
    `__mc_sid='${sessionId}'; __mc_in=0; __mc_w=; __mc_i=; __mc_n=0; __mc_m=`,
    runFunction(""),
    "__mc_r() {",
    '  if [ -n "$__mc_w" ]; then',
    "    __mc_d=$PWD",
    `    if ! cd -- "$__mc_w" 2>/dev/null; then ${sentinel("cwd")}; return 0; fi`,
    "  fi",
    `  printf 'mc%s' "$__mc_n" 2>/dev/null >/proc/self/comm`,
    '  __mc_x <"${__mc_i:-/dev/null}" 7>&- 8>&-',
    "  __mc_s=$?",
    "  __mc_in=0",
    "  exec 1>&7 2>&8",
    `  ${TRAP}`,
    '  if [ -n "$__mc_w" ]; then cd -- "$__mc_d" 2>/dev/null; fi',
    `  ${sentinel('"$__mc_s"')}`,
    "}",
    TRAP,
    `printf '__MC%s_ready:%s\\n' "$__mc_sid" "$$"`,
    "",
  ].join("\n");
}

export interface ShellCommandMessageOptions {
  seq: number;
  command: string;
  /** Run marker of this command (see `childRunMarker`). */
  marker: string;
  /** Absolute directory to run this command in; the session's directory is restored after. */
  cwd?: string;
  /** File the command reads as stdin (default /dev/null). */
  stdinPath?: string;
  /** Variables for this command only (names already validated). */
  env?: Record<string, string>;
}

/** The message that runs one command in a shell set up by {@link shellInitScript}. */
export function shellCommandMessage(options: ShellCommandMessageOptions): string {
  const vars = [
    `__mc_c=${shellQuote(options.command)}`,
    `__mc_n=${options.seq}`,
    `__mc_m=${assertRunMarker(options.marker)}`,
    `__mc_w=${options.cwd === undefined ? "" : shellQuote(options.cwd)}`,
    `__mc_i=${options.stdinPath === undefined ? "" : shellQuote(options.stdinPath)}`,
    "__mc_r",
  ].join("; ");
  const env = Object.entries(options.env ?? {});
  if (env.length === 0) return `${vars}\n`;
  const assignments = env.map(([name, value]) => `${name}=${shellQuote(value)} `).join("");
  return `${runFunction(assignments)}\n${vars}\n${runFunction("")}\n`;
}
