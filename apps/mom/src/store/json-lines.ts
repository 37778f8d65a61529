// Append-only JSON-lines files in the data dir: the channel log and the model context.
import { dirname } from "node:path/posix";
import type { ConfinedDir, ConfinedReadOptions } from "@monoclaw/core";

/**
 * Appends JSON lines to `path` (relative to `files`' root; created if
 * missing, with its directories) with one write, then flushes. If an earlier
 * crash left a partial last line, a newline is written first so the partial
 * line stays isolated (readers skip it) and the new records stay whole.
 * Appends to one path are serialised in this process. A link anywhere in the
 * path is refused (ConfinedDir).
 */
export async function appendJsonLines(files: ConfinedDir, path: string, records: readonly unknown[]): Promise<void> {
  if (records.length === 0) return;
  const key = `${files.root}\0${path}`;
  const previous = appendQueues.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => appendNow(files, path, records));
  appendQueues.set(key, next);
  try {
    await next;
  } finally {
    if (appendQueues.get(key) === next) appendQueues.delete(key);
  }
}

const appendQueues = new Map<string, Promise<void>>();

async function appendNow(files: ConfinedDir, path: string, records: readonly unknown[]): Promise<void> {
  const parent = dirname(path);
  if (parent !== ".") await files.mkdirp(parent);
  const handle = await files.openForAppend(path);
  try {
    const { size } = await handle.stat();
    let prefix = "";
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = "\n";
    }
    const body = records.map((record) => JSON.stringify(record)).join("\n");
    await handle.appendFile(`${prefix}${body}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Result of reading a JSON-lines file: the parsed records and how many lines were unreadable (a crash mid-append). */
export interface JsonLines<T> {
  records: T[];
  skippedLines: number;
  /** True when the file was larger than the read cap: only its start (or end) was read. */
  truncated: boolean;
}

/**
 * Reads a JSON-lines file, at most `limit.maxBytes` of it; a missing file is
 * empty, unparsable lines are counted and skipped. With `from: "end"` and a
 * larger file, the first (cut) line is dropped.
 */
export async function readJsonLines<T>(files: ConfinedDir, path: string, limit: ConfinedReadOptions): Promise<JsonLines<T>> {
  let text: string;
  let truncated = false;
  try {
    const read = await files.readFile(path, limit);
    text = read.bytes.toString("utf8");
    truncated = read.truncated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: [], skippedLines: 0, truncated: false };
    throw error;
  }
  const lines = text.split("\n");
  if (truncated && limit.from === "end") lines.shift();
  const records: T[] = [];
  let skippedLines = 0;
  for (const line of lines) {
    if (line.trim() === "") continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      skippedLines += 1;
    }
  }
  return { records, skippedLines, truncated };
}
