import type { TerminalOutput, TerminalStyle } from "./terminal-style.js";

/**
 * A one-line activity indicator (`⠋ thinking… 3s`) drawn on a TTY.
 *
 * Rules: it draws only when `output.isTTY` is true (on a pipe or file it
 * never writes a byte); it owns the current line while running and erases
 * it on `stop`, leaving the cursor at column 0; its timer is unref'd so it
 * never keeps the process alive; `start` while running only changes the label.
 */
export interface Spinner {
  start(label: string): void;
  stop(): void;
  readonly running: boolean;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const INTERVAL_MS = 80;

export function createSpinner(output: TerminalOutput, style: TerminalStyle, now: () => number = Date.now): Spinner {
  let timer: NodeJS.Timeout | undefined;
  let label = "";
  let frame = 0;
  let startedAt = 0;

  const draw = () => {
    const seconds = Math.floor((now() - startedAt) / 1000);
    const elapsed = seconds > 0 ? ` ${seconds}s` : "";
    output.write(`\r\u001b[2K${style.cyan(FRAMES[frame % FRAMES.length]!)} ${style.dim(`${label}…${elapsed}`)}`);
    frame += 1;
  };

  return {
    get running() {
      return timer !== undefined;
    },
    start(newLabel) {
      label = newLabel;
      if (output.isTTY !== true || timer !== undefined) return;
      startedAt = now();
      frame = 0;
      draw();
      timer = setInterval(draw, INTERVAL_MS);
      timer.unref();
    },
    stop() {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      output.write("\r\u001b[2K");
    },
  };
}
