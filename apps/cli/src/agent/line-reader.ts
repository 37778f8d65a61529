import { createInterface, type Interface } from "node:readline";
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
  const readline = createInterface({
    input,
    output,
    terminal: input.isTTY === true,
    history: history.entries(),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
  });
  const pastes = input.isTTY === true ? acceptBracketedPaste(readline, output) : undefined;
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

/** The readline method every key goes through (node:readline keeps it overridable per instance). */
type TtyWrite = (sequence: string | undefined, key: { name?: string } | undefined) => void;

/**
 * Multi-line pastes at the prompt. With bracketed paste on, the terminal
 * wraps pasted text in `ESC[200~` ... `ESC[201~`; the newlines inside are
 * kept instead of each submitting a line. A one-line paste is typed in as
 * is; a longer one shows as `[pasted text #1, 12 lines]` (the prompt stays
 * one line) and `expand` puts the text back when the line is entered.
 * `stop` turns bracketed paste off again, so the shell gets the terminal as
 * it was.
 */
function acceptBracketedPaste(readline: Interface, output: NodeJS.WritableStream): { expand(line: string): string; stop(): void } {
  const editor = readline as unknown as { _ttyWrite: TtyWrite };
  const typeKey = editor._ttyWrite.bind(readline);
  const pasted = new Map<string, string>();
  let buffer: string | undefined;
  editor._ttyWrite = (sequence, key) => {
    if (key?.name === "paste-start") {
      buffer = "";
    } else if (key?.name === "paste-end") {
      const text = (buffer ?? "").replace(/\r\n?/g, "\n").replace(/\n+$/, "");
      buffer = undefined;
      if (!text.includes("\n")) {
        readline.write(text);
      } else {
        const label = `[pasted text #${pasted.size + 1}, ${text.split("\n").length} lines]`;
        pasted.set(label, text);
        readline.write(label);
      }
    } else if (buffer !== undefined) {
      buffer += key?.name === "return" || key?.name === "enter" ? "\n" : (sequence ?? "");
    } else {
      typeKey(sequence, key);
    }
  };
  output.write("\u001b[?2004h");
  return {
    expand: (line) => {
      let expanded = line;
      for (const [label, text] of pasted) expanded = expanded.split(label).join(text);
      return expanded;
    },
    stop: () => void output.write("\u001b[?2004l"),
  };
}
