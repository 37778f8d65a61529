import type { DirEntry, FileStat } from "./file-types.js";
import type { ExecOptions, ExecResult } from "./exec-types.js";
import type { BackendStatus, HealthCheck } from "./health-types.js";

/** The version of the contract below. A backend states the one it implements. */
export const BACKEND_SPECIFICATION_VERSION = "v1" as const;

/**
 * A place where commands run and files live: the host, a Docker container, ...
 *
 * Rules every implementation keeps (the conformance suite in
 * `@monoclaw/core/testing` checks them):
 * - Paths are the backend's own (inside the container for Docker). Relative
 *   paths resolve against {@link ExecutionBackend.workspacePath}.
 * - `exec` resolves for everything the command itself does: a non-zero exit,
 *   a timeout (exitCode 124, `timedOut`) and an abort (exitCode 130,
 *   `aborted`) are results, not errors. It rejects with a {@link BackendError}
 *   only when the command could not be started (missing cwd: `CWD_NOT_FOUND`;
 *   backend unreachable: `UNAVAILABLE`).
 * - On timeout or abort the command and every process it started (background
 *   jobs, `nohup`, `setsid` included) are ended wherever they run, and the
 *   promise resolves promptly (within a few seconds).
 * - Output is never held in memory beyond the cap; see {@link CapturedOutput}.
 * - File operations are binary-safe for any size, create parent directories on
 *   write, and reject with a BackendError naming the path (`ENOENT`, ...).
 *   Writing an existing file replaces its bytes in place: its mode and owner
 *   stay (an edited script stays executable).
 * - `readFile` and `writeFile` work on regular files only: a device, FIFO or
 *   socket is refused with `INVALID` naming the path and what it is, at once
 *   (never blocking on a FIFO). `readFile` reads until the end of the file,
 *   not `stat`'s size (procfs files report 0), and at most `maxBytes`: a file
 *   with more is refused with `EFBIG`. Both honour `signal`.
 * - After `dispose` no process the backend started is left running, except
 *   what a keep-warm setting deliberately keeps.
 */
export interface ExecutionBackend {
  readonly specificationVersion: typeof BACKEND_SPECIFICATION_VERSION;
  /** Short name shown to users and the model: `host`, `docker`, ... */
  readonly name: string;
  /** Absolute path (in the backend's own paths) where work happens by default. */
  readonly workspacePath: string;

  /** Runs one command in a fresh shell (`sh -c`). */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;

  /**
   * Opens a shell that keeps its state (`cd`, `export`, shell variables)
   * from one command to the next, like a terminal. See {@link ShellSession}.
   */
  openSession(options?: SessionOptions): Promise<ShellSession>;

  readFile(path: string, options?: ReadFileOptions): Promise<Uint8Array>;
  writeFile(path: string, data: string | Uint8Array, options?: WriteFileOptions): Promise<void>;
  listDirectory(path: string, options?: OperationOptions): Promise<DirEntry[]>;
  /** Rejects with `ENOENT` when nothing is at the path. Symlinks are followed. */
  stat(path: string, options?: OperationOptions): Promise<FileStat>;

  /** Cheap: never starts anything. */
  status(): Promise<BackendStatus>;
  /** The checks `monoclaw doctor` prints. Never throws: a failure is a `fail` check. */
  healthChecks(): Promise<HealthCheck[]>;

  /** Ends sessions and running commands and releases resources. Idempotent. */
  dispose(): Promise<void>;
}

export interface OperationOptions {
  signal?: AbortSignal;
}

export interface ReadFileOptions extends OperationOptions {
  /** Refuse (`EFBIG`) rather than read a file holding more bytes than this. Default: no cap. */
  maxBytes?: number;
}

export interface WriteFileOptions extends OperationOptions {
  /** Permission bits for a newly created file. An existing file keeps its mode. */
  mode?: number;
}

export interface SessionOptions {
  /** Starting directory; default the workspace path. */
  cwd?: string;
  /** Variables set in the session's shell at start. */
  env?: Record<string, string>;
}

/**
 * A shell whose state carries from one command to the next.
 *
 * - Commands run one at a time; calls made while one runs wait their turn.
 * - `exec` follows the same rules as {@link ExecutionBackend.exec}; `cwd` and
 *   `env` options apply to that command only.
 * - A command that ends the shell (`exit`, `exec`), or a timeout/abort that
 *   required killing the shell itself, does not break the session: the shell is
 *   re-opened in the session's starting directory and the result has
 *   `sessionReset: true`.
 * - A timeout or abort ends every process the command started; the session
 *   stays usable. Background jobs of a command that finished normally keep
 *   running (like a terminal) until the session is closed.
 */
export interface ShellSession {
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Ends the shell and every process started through it. Idempotent. */
  close(): Promise<void>;
}
