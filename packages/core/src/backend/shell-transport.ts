/** What a transport reports about the shell it runs. */
export interface ShellTransportEvents {
  stdout(chunk: Uint8Array): void;
  stderr(chunk: Uint8Array): void;
  /**
   * The shell ended. Called once, after every stdout/stderr chunk it wrote has
   * been reported (or given up on, when a background process keeps the pipes
   * open).
   */
  exit(status: { exitCode: number | null; signal: string | null }): void;
}

/**
 * A running shell (`sh -s` or `bash -s`) reading commands from its stdin: a
 * local child process, a Docker exec attach stream, an SSH channel...
 *
 * The shell protocol (`openShellSession`) only writes to it and listens;
 * it never assumes where the shell runs.
 */
export interface ShellTransport {
  /** Writes protocol text to the shell's stdin. Never throws (a dead shell is reported through `exit`). */
  write(data: string): void;
  /**
   * Ends the shell forcibly and releases the transport (pipes, stream,
   * connection). Resolves once `exit` has been reported. Idempotent.
   */
  kill(): Promise<void>;
  /** Stops reading the shell's output until {@link resume} (backpressure from a slow listener). Optional: without it output is never held back. */
  pause?(): void;
  resume?(): void;
}

/**
 * Starts a shell that reads commands from stdin, with `markerEnv` added to its
 * environment (so the processes it starts can be found and killed), and
 * resolves once it is running. Rejects with a BackendError when it cannot start.
 */
export type OpenShellTransport = (events: ShellTransportEvents, markerEnv: Record<string, string>) => Promise<ShellTransport>;
