import type { ModelMessage } from "ai";
import { appendJsonLines, readJsonLines, writeFileAtomic } from "./atomic-file.js";

/**
 * What the model sees of a channel: `context.jsonl`, one ModelMessage a line.
 * Turns are appended as they end, so the conversation survives restarts; a
 * compaction replaces the file atomically. A line left partial by a crash is
 * skipped on load.
 */
export class ChannelContext {
  constructor(readonly path: string) {}

  async load(): Promise<ModelMessage[]> {
    return (await readJsonLines<ModelMessage>(this.path)).records;
  }

  async append(messages: readonly ModelMessage[]): Promise<void> {
    await appendJsonLines(this.path, messages);
  }

  /** Replaces the whole context (after compaction). */
  async replace(messages: readonly ModelMessage[]): Promise<void> {
    await writeFileAtomic(this.path, messages.map((m) => `${JSON.stringify(m)}\n`).join(""));
  }
}
