/** The terminal's input as the interactive session uses it. */
export type TerminalInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/**
 * Watches for Ctrl-C while a turn runs (no prompt is open then).
 *
 * On a TTY it puts the input in raw mode and calls `onInterrupt` for each
 * Ctrl-C byte (0x03); other keys typed meanwhile are discarded, so they never
 * garble the streamed output. It also catches SIGINT sent to the process
 * (`kill -INT`, or Ctrl-C when the input is not a TTY). `stop` restores the
 * terminal (raw mode off, input paused) and removes every listener; it is
 * idempotent.
 */
export function watchInterrupts(input: TerminalInput, onInterrupt: () => void): { stop(): void } {
  const raw = input.isTTY === true && typeof input.setRawMode === "function";
  const onData = (chunk: Buffer | string) => {
    const text = typeof chunk === "string" ? chunk : chunk.toString("latin1");
    for (const character of text) if (character === "\u0003") onInterrupt();
  };
  const onSignal = () => onInterrupt();
  process.on("SIGINT", onSignal);
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
      process.off("SIGINT", onSignal);
      if (raw) {
        input.off("data", onData);
        input.setRawMode!(false);
        input.pause();
      }
    },
  };
}
