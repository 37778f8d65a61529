import { processTreeKillScript, type ProcessTreeKillScriptOptions } from "@monoclaw/core";

/**
 * Makes the core process-tree kill script work with busybox: busybox `grep`
 * stops reading a line at the first NUL byte, and `/proc/<pid>/environ` is
 * NUL-separated, so without `-z` only the first variable of each process is
 * searched and marked processes survive. `-z` (NUL-terminated lines) is
 * understood by busybox, GNU and BSD grep. A no-op once core's script has it.
 */
export function busyboxSafeKillScript(script: string): string {
  return script.replace(/grep -l -F /g, "grep -z -l -F ");
}

/** The core kill script for one marker, ready to run in any container. */
export function containerKillScript(options: ProcessTreeKillScriptOptions): string {
  return busyboxSafeKillScript(processTreeKillScript(options));
}

const MARKER_LINE = /^m='MONOCLAW_RUN_ID=([A-Za-z0-9_.-]+)'$/m;

/**
 * The kill script for one command of a shell session, made complete for a
 * container: before the core script runs, every subshell the command forked
 * from the session shell is killed too. Such a subshell (`( while :; do ...;
 * done ) &`) never exec'd, so its /proc/<pid>/environ still shows the
 * session's marker, not the command's, and the core scan misses it; it is
 * found as the parent (or ancestor) of a process carrying the command's
 * marker, stopping at the session shell itself (ppid 0 in the container).
 * Background subshells of earlier commands have other markers below them and
 * are left alone. Scripts for other markers pass through unchanged.
 */
export function sessionKillScript(script: string, sessionMarker: string): string {
  const patched = busyboxSafeKillScript(script);
  const commandMarker = MARKER_LINE.exec(patched)?.[1];
  if (commandMarker === undefined || commandMarker === sessionMarker || !commandMarker.startsWith(sessionMarker)) return patched;
  const sweep = [
    `cm='MONOCLAW_RUN_ID=${commandMarker}'`,
    `sm='MONOCLAW_RUN_ID=${sessionMarker}'`,
    "ppid_of() { s=$(cat /proc/$1/stat 2>/dev/null) || return 1; s=${s##*) }; set -- $s; echo \"$2\"; }",
    'for f in $(grep -z -l -F -e "$cm" /proc/[0-9]*/environ 2>/dev/null); do',
    "  p=${f#/proc/}; p=${p%/environ}",
    "  while pp=$(ppid_of $p) && [ \"${pp:-0}\" -gt 1 ] && grep -z -q -x -F -e \"$sm\" /proc/$pp/environ 2>/dev/null; do",
    '    [ "$(ppid_of $pp)" = 0 ] && break',
    "    kill -KILL $pp 2>/dev/null; p=$pp",
    "  done",
    "done",
    "",
  ].join("\n");
  return `${sweep}${patched}`;
}
