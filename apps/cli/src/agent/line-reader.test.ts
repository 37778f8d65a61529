import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HistoryFile, openHistoryFile } from "./history-file.js";
import { openPrompt, type PromptResult } from "./line-reader.js";

// The prompt's real node:readline on a stand-in terminal: a PassThrough that
// says it is a TTY and keeps the raw mode it is set to. (The same prompt in
// a real pseudo-terminal: interactive-session.test.ts.)

const START = "\u001b[200~";
const END = "\u001b[201~";

interface StandInTerminal {
  input: PassThrough & { isTTY: true; isRaw: boolean; setRawMode(mode: boolean): unknown };
  output: PassThrough;
  shown(): string;
}

function standInTerminal(): StandInTerminal {
  const input = Object.assign(new PassThrough(), {
    isTTY: true as const,
    isRaw: false,
    setRawMode(mode: boolean) {
      input.isRaw = mode;
      return input;
    },
  });
  input.pause();
  const output = new PassThrough();
  let shown = "";
  output.on("data", (chunk: Buffer) => (shown += chunk.toString("utf8")));
  return { input, output, shown: () => shown };
}

let dir: string;
let history: HistoryFile;
let terminal: StandInTerminal;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "monoclaw-line-reader-"));
  history = openHistoryFile(join(dir, "history"));
  terminal = standInTerminal();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function prompt() {
  return openPrompt({ input: terminal.input, output: terminal.output, prompt: "› ", history });
}

/** Sends each part as its own chunk, a tick apart (as a terminal that splits a write would). */
async function send(...parts: Array<string | Buffer>): Promise<void> {
  for (const part of parts) {
    terminal.input.write(part);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("openPrompt on a terminal", () => {
  it("keeps a multi-line paste whole: Enter inside it submits nothing, the line comes back with its newlines", async () => {
    const open = prompt();
    await send(`look: ${START}line one\rline two\r\n${END}`);
    expect(terminal.shown()).toContain("look: [pasted text #1, 2 lines]");
    await send("\r");
    expect(await open.result).toEqual({ type: "line", line: "look: line one\nline two" });
    expect(history.entries()).toHaveLength(1);
  });

  it("finds the markers and the text when the terminal splits them across chunks, UTF-8 characters included", async () => {
    const open = prompt();
    const pasted = Buffer.from(`${START}caf\u00e9\rna\u00efve${END}`, "utf8");
    await send(...[...pasted].map((byte) => Buffer.from([byte])), " done\r");
    expect(await open.result).toEqual({ type: "line", line: "caf\u00e9\nna\u00efve done" });
  });

  it("types a one-line paste as text: a pasted Ctrl-C or up arrow acts as no key", async () => {
    history.add("an older line");
    const open = prompt();
    await send(`${START}a\u0003b\u001b[Ac${END}\r`);
    expect(await open.result).toEqual({ type: "line", line: "ab[Ac" });
  });

  it("inserts a one-line paste and a paste's label where the cursor is", async () => {
    const open = prompt();
    await send("a", "b", "\u001b[D", `${START}XY${END}`, "\u001b[D", `${START}1\r2${END}`, "\r");
    expect(terminal.shown()).toContain("aX[pasted text #1, 2 lines]Yb");
    expect(await open.result).toEqual({ type: "line", line: "aX1\n2Yb" });
  });

  it("still gives readline the keys typed outside a paste: up arrow, left arrow (split after ESC or not), Ctrl-A, Ctrl-C", async () => {
    history.add("an older line");
    const recalled = prompt();
    await send("\u001b[A\r");
    expect(await recalled.result).toEqual({ type: "line", line: "an older line" });

    const edited = prompt();
    await send("one two", "\u001b", "[D", "\u001b[D", "X", "\u0001", "Y", "\r");
    expect(await edited.result).toEqual({ type: "line", line: "Yone tXwo" });

    const interrupted = prompt();
    await send("half typed", "\u0003");
    expect(await interrupted.result).toEqual<PromptResult>({ type: "interrupt", hadText: true });
  });

  it("passes a lone Escape on after a pause, and what follows it is typed as usual", async () => {
    const open = prompt();
    await send("ab", "\u001b");
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await send("c\r");
    expect(await open.result).toEqual({ type: "line", line: "abc" });
  });

  it("turns bracketed paste and raw mode on for the prompt and both off after it, leaving the terminal paused", async () => {
    const open = prompt();
    expect(terminal.input.isRaw).toBe(true);
    expect(terminal.input.isPaused()).toBe(false);
    expect(terminal.shown()).toContain("\u001b[?2004h");
    await send("hello\r");
    expect(await open.result).toEqual({ type: "line", line: "hello" });
    expect(terminal.input.isRaw).toBe(false);
    expect(terminal.input.isPaused()).toBe(true);
    expect(terminal.shown().lastIndexOf("\u001b[?2004l")).toBeGreaterThan(terminal.shown().lastIndexOf("\u001b[?2004h"));
    // Keys typed between prompts wait for the next prompt instead of being lost.
    await send("next\r");
    expect(await prompt().result).toEqual({ type: "line", line: "next" });
  });

  it("ends with eof when the terminal's input ends", async () => {
    const open = prompt();
    terminal.input.end();
    expect(await open.result).toEqual({ type: "eof" });
  });
});
