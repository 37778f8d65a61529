/** Signals that end a turn (and, in the interactive session, the session): Ctrl-C, `kill`, a closed terminal. */
export const TERMINATION_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type TerminationSignal = (typeof TERMINATION_SIGNALS)[number];

/** The exit code a process ended by `signal` reports in a shell: 128 + its number. */
export const SIGNAL_EXIT_CODES: Record<TerminationSignal, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * Calls `handler` for each SIGINT, SIGTERM and SIGHUP the process receives,
 * instead of Node's default of dying on the spot (which would leave the
 * backend's processes running). Returns the function that removes the
 * handlers again.
 */
export function onTerminationSignals(handler: (signal: TerminationSignal) => void): () => void {
  const listeners = TERMINATION_SIGNALS.map((signal) => {
    const listener = () => handler(signal);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}
