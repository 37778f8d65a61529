import { PassThrough } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { TerminalInput } from "./interrupt-watcher.js";

/** What the terminal sends around pasted text once bracketed paste is on (`ESC[?2004h`). */
const PASTE_START = "\u001b[200~";
const PASTE_END = "\u001b[201~";
/**
 * How long the start of a marker at the end of a chunk (a lone ESC, say) is
 * held back for the rest of it: as long as readline waits for the rest of an
 * escape sequence, so an Escape key press is not delayed any more than it
 * already is.
 */
const MARKER_WAIT_MS = 500;

/** The terminal's input as the prompt's readline reads it, with pastes taken out. */
export interface BracketedPasteInput {
  /**
   * What readline reads: the keys typed, each paste replaced by its text
   * (one line) or by a label such as `[pasted text #1, 12 lines]`. Raw mode
   * set on it is set on the terminal.
   */
  readonly input: TerminalInput;
  /** Puts the pasted text back in place of its labels in an entered line. */
  expand(line: string): string;
  /** Stops reading the terminal (its input is paused) and turns bracketed paste off again, so the shell gets the terminal as it was. */
  stop(): void;
}

/**
 * Multi-line pastes at the prompt. With bracketed paste on, the terminal
 * wraps pasted text in `ESC[200~` ... `ESC[201~`; the newlines inside are
 * kept instead of each submitting a line. The markers are found in the bytes
 * the terminal sends, before readline sees them, so readline is used through
 * its public API only: it reads `input` as it would the terminal. A one-line
 * paste is typed in as text (control characters in it are dropped, so a
 * pasted Ctrl-C or arrow key acts as no key); a longer one shows as a label
 * (the prompt stays one line) and `expand` puts the text back.
 */
export function acceptBracketedPaste(terminal: TerminalInput, output: NodeJS.WritableStream): BracketedPasteInput {
  const keys = new PassThrough();
  const input = Object.assign(keys, {
    isTTY: true,
    setRawMode: (mode: boolean) => {
      terminal.setRawMode?.(mode);
      return input;
    },
  });
  Object.defineProperty(input, "isRaw", { get: () => (terminal as { isRaw?: boolean }).isRaw === true });

  const pasted = new Map<string, string>();
  const decoder = new StringDecoder("utf8");
  /** The paste read so far, while the terminal is inside one. */
  let paste: string | undefined;
  /** The end of the last chunk, when it may be the start of a marker. */
  let held = "";
  let heldTimer: NodeJS.Timeout | undefined;

  /** Passes on what the terminal sent, chunk by chunk as it came. */
  const pass = (text: string) => {
    if (text !== "") keys.write(text);
  };
  /**
   * Types text as if each character were a key press: readline takes a
   * chunk of several characters for a paste of its own and inserts it at the
   * end of the line (and on Node 20 garbles it when the cursor is not there).
   */
  const typeText = (text: string) => {
    for (const character of text) keys.write(character);
  };
  const endPaste = (raw: string) => {
    const text = raw.replace(/\r\n?/g, "\n").replace(/\n+$/, "");
    if (!text.includes("\n")) return typeText(withoutControlCharacters(text));
    const label = `[pasted text #${pasted.size + 1}, ${text.split("\n").length} lines]`;
    pasted.set(label, text);
    typeText(label);
  };
  const read = (chunk: string) => {
    clearTimeout(heldTimer);
    let rest = held + chunk;
    held = "";
    while (rest !== "") {
      const marker = paste === undefined ? PASTE_START : PASTE_END;
      const at = rest.indexOf(marker);
      const before = at === -1 ? rest.slice(0, rest.length - partialMarkerLength(rest, marker)) : rest.slice(0, at);
      if (paste === undefined) pass(before);
      else paste += before;
      if (at === -1) {
        held = rest.slice(before.length);
        break;
      }
      if (paste === undefined) {
        paste = "";
      } else {
        endPaste(paste);
        paste = undefined;
      }
      rest = rest.slice(at + marker.length);
    }
    // Outside a paste a held ESC is a key press of its own once nothing follows it.
    if (held !== "" && paste === undefined) {
      heldTimer = setTimeout(() => {
        pass(held);
        held = "";
      }, MARKER_WAIT_MS);
    }
  };
  const onData = (chunk: Buffer | string) => read(typeof chunk === "string" ? chunk : decoder.write(chunk));
  const onEnd = () => keys.end();

  terminal.on("data", onData);
  terminal.once("end", onEnd);
  terminal.resume();
  output.write("\u001b[?2004h");
  return {
    input,
    expand: (line) => {
      let expanded = line;
      for (const [label, text] of pasted) expanded = expanded.split(label).join(text);
      return expanded;
    },
    stop: () => {
      clearTimeout(heldTimer);
      terminal.off("data", onData);
      terminal.off("end", onEnd);
      terminal.pause();
      output.write("\u001b[?2004l");
    },
  };
}

/** How many characters at the end of `text` are the start of `marker` (it may go on in the next chunk). */
function partialMarkerLength(text: string, marker: string): number {
  for (let length = Math.min(marker.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(marker.slice(0, length))) return length;
  }
  return 0;
}

/** Text without C0 control characters and DEL (tab is kept), so readline takes none of it for a key. */
function withoutControlCharacters(text: string): string {
  return [...text].filter((character) => character === "\t" || (character >= " " && character !== "\u007f")).join("");
}
