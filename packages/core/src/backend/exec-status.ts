import { constants } from "node:os";
import { BackendError } from "./backend-error.js";
import { EXIT_CODE_ABORTED, EXIT_CODE_TIMEOUT } from "./exec-types.js";
import type { StopReason } from "./exec-deadline.js";
import { ENVIRONMENT_VARIABLE_NAME } from "./environment-variable-name.js";

/**
 * The `exitCode` and `signal` of an ExecResult: 124 after a timeout, 130
 * after an abort, else the process's own code, or 128 + the signal number
 * when a signal ended it (the shell convention).
 */
export function execStatus(code: number | null, signal: string | null, stopped: StopReason | undefined): { exitCode: number; signal: string | null } {
  if (stopped === "timeout") return { exitCode: EXIT_CODE_TIMEOUT, signal };
  if (stopped === "abort") return { exitCode: EXIT_CODE_ABORTED, signal };
  if (code !== null) return { exitCode: code, signal: null };
  const number = signal === null ? undefined : (constants.signals as Record<string, number>)[signal];
  return { exitCode: 128 + (number ?? 0), signal };
}

/**
 * Rejects environment names a shell cannot set (`ExecOptions.env`,
 * `SessionOptions.env`) with a BackendError `INVALID` naming the key, and
 * values holding a NUL byte.
 */
export function assertEnvNames(env: Record<string, string> | undefined, where = "env"): void {
  if (env === undefined) return;
  for (const [name, value] of Object.entries(env)) {
    if (!ENVIRONMENT_VARIABLE_NAME.test(name)) {
      throw new BackendError(
        "INVALID",
        `${where}: ${JSON.stringify(name)} is not a valid environment variable name (letters, digits and '_', not starting with a digit)`,
      );
    }
    if (typeof value !== "string" || value.includes("\0")) {
      throw new BackendError("INVALID", `${where}.${name}: the value must be a string without NUL bytes`);
    }
  }
}
