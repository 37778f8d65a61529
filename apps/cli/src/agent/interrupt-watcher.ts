/** The terminal's input as the interactive session uses it. */
export type TerminalInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/**
 * Watches for Ctrl-C while a turn runs (no prompt is open then).
 *
 * On a TTY it puts the input in raw mode and calls `onInterrupt` for each
 * Ctrl-C byte (0x03); other keys typed meanwhile are discarded, so they never
 * garble the streamed output. (A SIGINT sent to the process is the
 * caller's to handle, see `onTerminationSignals`.) `stop` restores the
 * terminal (raw mode off, input paused) and removes its listener; it is
 * idempotent.
 */
export function watchInterrupts(input: TerminalInput, onInterrupt: () => void): { stop(): void } {
  const raw = input.isTTY === true && typeof input.setRawMode === "function";
  const onData = (chunk: Buffer | string) => {
    const text = typeof chunk === "string" ? chunk : chunk.toString("latin1");
    for (const character of text) if (character === "\u0003") onInterrupt();
  };
  if (raw) {
    input.setRawMode!(true);
    input.on("data", onData);
    input.resume();
  }
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      if (raw) {
        input.off("data", onData);
        input.setRawMode!(false);
        input.pause();
      }
    },
  };
}
