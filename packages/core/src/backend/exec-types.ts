/** Which output stream a chunk came from. */
export type OutputStreamName = "stdout" | "stderr";

/**
 * Options for one command.
 *
 * Every field is optional; a backend applies its own defaults (working
 * directory = its workspace path, timeout = its configured timeout).
 */
export interface ExecOptions {
  /** Working directory, in the backend's own paths. Relative paths resolve against the workspace path. */
  cwd?: string;
  /** Extra environment variables for this command only, on top of the backend's environment. */
  env?: Record<string, string>;
  /** Bytes written to the command's standard input, which is then closed. Without it stdin is empty. */
  stdin?: string | Uint8Array;
  /** Milliseconds before the command is ended and reported as timed out. 0 or absent: the backend's default. */
  timeoutMs?: number;
  /** Aborting ends the command (and every process it started) and resolves with `aborted: true`. */
  signal?: AbortSignal;
  /**
   * Called with each chunk of output as it arrives, before the command ends.
   * Chunks are never merged across streams. Return a promise to hold the
   * output back (backpressure): the backend pauses that output until the
   * promise settles, so the command waits on its full pipe instead of the
   * output piling up in memory. Holds are let go when the command is ended
   * (timeout, abort). Any other return value is ignored.
   */
  onOutput?: (stream: OutputStreamName, chunk: Uint8Array) => unknown;
  /**
   * In-memory cap per stream in bytes (head and tail are kept, half each).
   * Past it the whole stream is spilled to a file. Default {@link DEFAULT_OUTPUT_CAP_BYTES}.
   */
  maxOutputBytes?: number;
  /**
   * Most bytes per stream the spill file takes; past it the output is counted
   * (`totalBytes`) but not stored. 0: no spill file at all (for callers that
   * stream the output elsewhere). Default {@link DEFAULT_SPILL_CAP_BYTES}.
   */
  maxSpillBytes?: number;
}

/** Default cap of one spill file: 64 MiB, more than anyone pages through, little enough that a long-lived mom cannot fill a disk. */
export const DEFAULT_SPILL_CAP_BYTES = 64 * 1024 * 1024;

/** Default in-memory cap per output stream: 1 MiB (512 KiB head + 512 KiB tail). */
export const DEFAULT_OUTPUT_CAP_BYTES = 1024 * 1024;

/** Exit code reported for a command that timed out (the `timeout(1)` convention). */
export const EXIT_CODE_TIMEOUT = 124;
/** Exit code reported for a command that was aborted (128 + SIGINT). */
export const EXIT_CODE_ABORTED = 130;

/**
 * One output stream of a finished command, capped in memory.
 *
 * When the stream fitted under the cap, `head` holds all of it and `tail` is
 * empty. When it did not, `head` and `tail` hold its first and last bytes,
 * `truncated` is true and `spillPath` names a file on the machine running
 * MonoClaw (not inside the backend) holding every byte, which the caller owns
 * and may delete.
 */
export interface CapturedOutput {
  head: Uint8Array;
  tail: Uint8Array;
  /** Every byte the command wrote to this stream. */
  totalBytes: number;
  truncated: boolean;
  spillPath?: string;
  /** Bytes in the spill file, when it stopped at its cap before the output ended (less than `totalBytes`). */
  spillCappedAt?: number;
}

/**
 * What a command did.
 *
 * `exitCode` is the command's own code, or 124 when it timed out and 130 when
 * it was aborted (its real fate is then in `signal`, when known).
 */
export interface ExecResult {
  exitCode: number;
  /** Signal name that ended the command (`SIGKILL`...), when it was ended by one. */
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  stdout: CapturedOutput;
  stderr: CapturedOutput;
  /**
   * Shell sessions only: the session's shell was re-opened after this command
   * (it ran `exit` or `exec`, or had to be killed), or before it (the shell had
   * ended while idle, e.g. its container was stopped), so `cd` and `export`
   * state from earlier commands is gone.
   */
  sessionReset?: boolean;
  /**
   * What the backend saw happen because of this command besides its output,
   * one line each, for the model and the user: for example the hosts the
   * Docker backend's egress proxy refused while it ran.
   */
  notices?: string[];
}
