import { CommanderError } from "commander";
import { BackendError } from "@monoclaw/core/backend";
import { createCliContext, type CliContext } from "./cli-context.js";
import { CliError, EXIT_FAILURE, EXIT_USAGE } from "./cli-error.js";
import { createProgram } from "./program.js";

/**
 * Runs `monoclaw` with `argv` (as in `process.argv`) and resolves with the exit
 * code; it never throws and never exits the process itself (see `bin.ts`).
 *
 * Errors become one clear message on stderr, never a stack trace unless
 * `MONOCLAW_DEBUG=1`: usage and config errors exit 2, other failures 1.
 */
export async function runCli(argv: readonly string[], context: CliContext = createCliContext()): Promise<number> {
  try {
    const program = createProgram(context);
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    return reportError(error, context);
  }
}

/** Prints `error` for a person and returns the exit code it stands for. */
export function reportError(error: unknown, context: CliContext): number {
  const debug = isDebug(context.env);
  if (error instanceof CommanderError) {
    // Commander already printed help, the version or its own error line.
    if (debug && error.exitCode !== 0) context.stderr.write(`${error.stack ?? ""}\n`);
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  const { message, exitCode } = describeError(error);
  context.stderr.write(`monoclaw: ${message}\n`);
  if (debug) context.stderr.write(`${stackOf(error)}\n`);
  return exitCode;
}

function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (isNamedError(error, "ConfigError")) return { message: error.message, exitCode: EXIT_USAGE };
  if (isNamedError(error, "FileLockTimeoutError")) return { message: error.message, exitCode: EXIT_FAILURE };
  if (error instanceof BackendError) {
    const exitCode = error.code === "INVALID" || error.code === "CWD_NOT_FOUND" ? EXIT_USAGE : EXIT_FAILURE;
    return { message: error.message, exitCode };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    message: `unexpected error: ${message} (set MONOCLAW_DEBUG=1 to see where it came from)`,
    exitCode: EXIT_FAILURE,
  };
}

function isNamedError(error: unknown, name: string): error is Error {
  return error instanceof Error && error.name === name;
}

function stackOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = error.stack ?? `${error.name}: ${error.message}`;
  let cause = error.cause;
  while (cause !== undefined) {
    text += `\nCaused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

/** `MONOCLAW_DEBUG` set to anything but empty, `0` or `false`. */
export function isDebug(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.MONOCLAW_DEBUG;
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}
