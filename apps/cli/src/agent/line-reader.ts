import { createInterface } from "node:readline";
import { acceptBracketedPaste } from "./bracketed-paste.js";
import { HISTORY_SIZE, type HistoryFile } from "./history-file.js";
import type { TerminalInput } from "./interrupt-watcher.js";

export type PromptResult =
  | { type: "line"; line: string }
  /** Ctrl-C at the prompt; `hadText` when it cleared a half-typed line. */
  | { type: "interrupt"; hadText: boolean }
  /** Ctrl-D on an empty line, or the input ended. */
  | { type: "eof" };

export interface ReadLineOptions {
  input: TerminalInput;
  output: NodeJS.WritableStream;
  prompt: string;
  history: HistoryFile;
  /** Aborting closes the prompt as if the input had ended. */
  signal?: AbortSignal;
}

/** A prompt waiting for a line. */
export interface OpenPrompt {
  result: Promise<PromptResult>;
  /** Acts as Ctrl-C at this prompt (for a SIGINT that reached the process instead of the prompt). */
  interrupt(): void;
}

/**
 * Reads one line with node:readline's editing keys (arrows, Home/End,
 * Ctrl-A/E/K/U/W, Alt-B/F) and the shared history on the up and down
 * arrows. A multi-line paste is kept whole (bracketed paste, see
 * {@link acceptBracketedPaste}) instead of sending one line per turn. The
 * entered line is added to the history file. Each call opens
 * and closes its own readline interface, so between prompts the terminal is
 * back in normal mode and the input is paused.
 */
export function openPrompt(options: ReadLineOptions): OpenPrompt {
  const { input, output, prompt, history, signal } = options;
  const pastes = input.isTTY === true ? acceptBracketedPaste(input, output) : undefined;
  const readline = createInterface({
    input: pastes?.input ?? input,
    output,
    terminal: input.isTTY === true,
    history: history.entries(),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
  });
  let interrupt: () => void = () => {};
  const result = new Promise<PromptResult>((resolve) => {
    let settled = false;
    const settle = (value: PromptResult) => {
      if (settled) return;
      settled = true;
      pastes?.stop();
      readline.close();
      resolve(value);
    };
    interrupt = () => {
      const hadText = readline.line !== "";
      output.write("\n");
      settle({ type: "interrupt", hadText });
    };
    readline.on("line", (typed) => {
      const line = pastes?.expand(typed) ?? typed;
      history.add(line);
      settle({ type: "line", line });
    });
    readline.on("SIGINT", interrupt);
    readline.on("close", () => {
      if (!settled) output.write("\n");
      settle({ type: "eof" });
    });
    if (signal?.aborted === true) return settle({ type: "eof" });
    signal?.addEventListener("abort", () => settle({ type: "eof" }), { once: true });
    readline.setPrompt(prompt);
    readline.prompt();
  });
  return { result, interrupt: () => interrupt() };
}
