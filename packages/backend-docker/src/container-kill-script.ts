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
