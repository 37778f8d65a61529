import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createOutputCapture, type OutputCapture } from "../backend/output-capture.js";
import type { ToolOutputStore } from "./tool-output-store.js";

/** Limits of what the model gets from one command: head and tail, half each. */
export interface OutputLimits {
  maxLines: number;
  maxBytes: number;
}

/** About 2000 lines / 50 KB, as the model sees it. */
export const DEFAULT_OUTPUT_LIMITS: OutputLimits = { maxLines: 2000, maxBytes: 50 * 1024 };

/** What was collected. `text` is everything when it fit, else head + a note + tail. */
export interface CollectedOutput {
  text: string;
  truncated: boolean;
  totalLines: number;
  totalBytes: number;
  /** Host file with every byte (up to the spill cap), when truncated (registered in the store, so `read` serves it). */
  fullOutputPath?: string;
  /** Bytes of the output the text leaves out (0 when it is all there). */
  omittedBytes: number;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n += 1;
  return n;
}

/** The first `maxLines` lines of `text`. */
function firstLines(text: string, maxLines: number): string {
  let end = 0;
  for (let lines = 0; end < text.length && lines < maxLines; lines += 1) {
    const next = text.indexOf("\n", end);
    end = next === -1 ? text.length : next + 1;
  }
  return text.slice(0, end);
}

/** The last `maxLines` lines of `text`. */
function lastLines(text: string, maxLines: number): string {
  let start = text.endsWith("\n") ? text.length - 1 : text.length;
  for (let lines = 0; lines < maxLines; lines += 1) {
    const previous = text.lastIndexOf("\n", start - 1);
    if (previous === -1) return text;
    start = previous;
  }
  return text.slice(start + 1);
}

/**
 * Collects a command's combined output (stdout and stderr as they came) for
 * the model in bounded memory, over the backend helper
 * {@link createOutputCapture}: past `maxBytes` it keeps head and tail and
 * spills every byte to a file in the store's directory. Past `maxLines`
 * (short lines under the byte cap) the text, still in memory, is written to
 * a store file too. Either way the model gets head and tail by lines and
 * bytes, plus a note naming the full-output file, which `read` serves.
 */
export class OutputCollector {
  private readonly capture: OutputCapture;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly store: ToolOutputStore,
    private readonly label: string,
    private readonly limits: OutputLimits = DEFAULT_OUTPUT_LIMITS,
  ) {
    // The capture creates the directory (0700) only if it spills.
    this.capture = createOutputCapture({ maxBytes: limits.maxBytes, spillDirectory: store.directory, label });
  }

  append(text: string): void {
    if (text !== "") this.capture.write(Buffer.from(text));
  }

  /** Ends collection (closes the spill file) and returns what the model gets. */
  finish(): CollectedOutput {
    const captured = this.capture.finish();
    const half = Math.floor(this.limits.maxLines / 2);
    if (!captured.truncated) {
      const text = this.decoder.decode(captured.head);
      const totalLines = countLines(text) + (text === "" || text.endsWith("\n") ? 0 : 1);
      if (totalLines <= this.limits.maxLines) return { text, truncated: false, totalLines, totalBytes: captured.totalBytes, omittedBytes: 0 };
      const path = join(this.store.ensureDirectory(), `${this.label}-${Date.now()}.log`);
      writeFileSync(path, text, { mode: 0o600 });
      return this.summarise(firstLines(text, half), lastLines(text, half), totalLines, captured.totalBytes, path);
    }
    const head = firstLines(this.decoder.decode(captured.head).replace(/\uFFFD+$/, ""), half);
    const tail = lastLines(this.decoder.decode(captured.tail).replace(/^\uFFFD+/, ""), half);
    return this.summarise(head, tail, undefined, captured.totalBytes, captured.spillPath, captured.spillCappedAt);
  }

  private summarise(
    head: string,
    tail: string,
    totalLines: number | undefined,
    totalBytes: number,
    path: string | undefined,
    cappedAt?: number,
  ): CollectedOutput {
    if (path !== undefined) this.store.register(path);
    const omitted = totalBytes - Buffer.byteLength(head) - Buffer.byteLength(tail);
    const size = `${totalLines === undefined ? "" : `${totalLines} lines, `}${totalBytes} bytes`;
    const where =
      path === undefined
        ? "The full output could not be saved."
        : cappedAt !== undefined
          ? `The output was ${size}; its first ${cappedAt} bytes are in ${path} (the cap of saved output). Page through it with the read tool (offset/limit).`
          : `Full output (${size}): ${path} . Page through it with the read tool (offset/limit).`;
    const note = `[... ${omitted} bytes omitted. ${where} ...]`;
    return {
      text: `${head}${head === "" || head.endsWith("\n") ? "" : "\n"}${note}\n${tail}`,
      truncated: true,
      totalLines: totalLines ?? countLines(head) + countLines(tail),
      totalBytes,
      omittedBytes: omitted,
      ...(path === undefined ? {} : { fullOutputPath: path }),
    };
  }
}
