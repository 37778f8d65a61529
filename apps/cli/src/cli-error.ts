/** Exit codes of `monoclaw` itself (a command run by `monoclaw exec` exits with its own code). */
export const EXIT_OK = 0;
/** Something failed at run time: a failed `doctor` check, an unreachable engine, a failed model call. */
export const EXIT_FAILURE = 1;
/** The user asked for something invalid: unknown option, bad argument, invalid config file. */
export const EXIT_USAGE = 2;

/**
 * An error meant for the person at the terminal. `runCli` prints its message as
 * one line on stderr (no stack trace unless `MONOCLAW_DEBUG=1`) and exits with
 * `exitCode`. Write the message as: what is wrong, where, and how to fix it.
 */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly exitCode: number;

  constructor(message: string, options?: { exitCode?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options?.exitCode ?? EXIT_FAILURE;
  }
}

/** A usage error (exit 2): bad option value, missing argument. */
export function usageError(message: string): CliError {
  return new CliError(message, { exitCode: EXIT_USAGE });
}
