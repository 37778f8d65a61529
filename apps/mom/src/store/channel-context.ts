import type { ModelMessage } from "ai";
import { writeFileAtomic } from "@monoclaw/core";
import { appendJsonLines, readJsonLines } from "./json-lines.js";

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
    await writeFileAtomic(this.path, messages.map((m) => `${JSON.stringify(m)}\n`).join(""), { mode: 0o644 });
  }
}
