// Append-only JSON-lines files: the channel log and the model context.
// (Whole-file replacement is core's writeFileAtomic.)
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Appends JSON lines to `path` (created if missing) with one write, then
 * flushes. If an earlier crash left a partial last line, a newline is written
 * first so the partial line stays isolated (readers skip it) and the new
 * records stay whole. Appends to one path are serialised in this process.
 */
export async function appendJsonLines(path: string, records: readonly unknown[]): Promise<void> {
  if (records.length === 0) return;
  const previous = appendQueues.get(path) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => appendNow(path, records));
  appendQueues.set(path, next);
  try {
    await next;
  } finally {
    if (appendQueues.get(path) === next) appendQueues.delete(path);
  }
}

const appendQueues = new Map<string, Promise<void>>();

async function appendNow(path: string, records: readonly unknown[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, "a+");
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
}

/** Reads a JSON-lines file; a missing file is empty, unparsable lines are counted and skipped. */
export async function readJsonLines<T>(path: string): Promise<JsonLines<T>> {
  let text: string;
  try {
    const handle = await open(path, "r");
    try {
      text = await handle.readFile("utf8");
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: [], skippedLines: 0 };
    throw error;
  }
  const records: T[] = [];
  let skippedLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      skippedLines += 1;
    }
  }
  return { records, skippedLines };
}
