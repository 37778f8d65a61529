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
  return capturedText(result.stdout).split("\n").filter((line) => line.startsWith("/proc/"));
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
 * A command that starts `sleep <n>` six ways and then sleeps in the
 * foreground: a plain background job, `setsid`, a nohup-style job that
 * ignores HUP and TERM (so only KILL ends it), a double fork through a second
 * shell, a background subshell that restarts it forever (so the subshell
 * itself must be ended, not only its child), and the foreground. POSIX sh
 * only (busybox has no `nohup`).
 */
export function processTreeCommand(n: number): string {
  return [
    `sleep ${n} &`,
    `setsid sleep ${n} >/dev/null 2>&1 &`,
    `(trap '' HUP TERM; exec sleep ${n}) >/dev/null 2>&1 &`,
    `sh -c 'sleep ${n} >/dev/null 2>&1 &'`,
    `(while :; do sleep ${n}; done) >/dev/null 2>&1 &`,
    "echo started",
    `sleep ${n}`,
  ].join("\n");
}
