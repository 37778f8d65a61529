import type { ModelMessage } from "ai";
import type { ConfinedDir } from "@monoclaw/core";
import { withoutFetchableUrls } from "./context-urls.js";
import { appendJsonLines, readJsonLines } from "./json-lines.js";

/** How much of a context is loaded: far beyond any model's window, so only a runaway or hostile file is cut. */
export const CONTEXT_READ_MAX_BYTES = 64 * 1024 * 1024;

/**
 * What the model sees of a channel: `context.jsonl`, one ModelMessage a line.
 * Turns are appended as they end, so the conversation survives restarts; a
 * compaction replaces the file atomically (a new file renamed over the name,
 * in the data dir's confined handle, so a link planted there is replaced, not
 * written through). A line left partial by a crash is skipped on load. A file
 * over {@link CONTEXT_READ_MAX_BYTES} is read from its end, starting at the
 * first user message, so no tool result is left without its call. Parts the
 * AI SDK would fetch by URL are left out ({@link withoutFetchableUrls}): the
 * sandbox writes this file, and must not make the host reach an address.
 */
export class ChannelContext {
  constructor(
    private readonly files: ConfinedDir,
    readonly path: string,
  ) {}

  async load(): Promise<ModelMessage[]> {
    const { records, truncated } = await readJsonLines<ModelMessage>(this.files, this.path, { maxBytes: CONTEXT_READ_MAX_BYTES, from: "end" });
    const messages = withoutFetchableUrls(records);
    if (!truncated) return messages;
    const firstUser = messages.findIndex((message) => message.role === "user");
    return firstUser < 0 ? [] : messages.slice(firstUser);
  }

  async append(messages: readonly ModelMessage[]): Promise<void> {
    await appendJsonLines(this.files, this.path, messages);
  }

  /** Replaces the whole context (after compaction). */
  async replace(messages: readonly ModelMessage[]): Promise<void> {
    await this.files.writeFileAtomic(this.path, messages.map((m) => `${JSON.stringify(m)}\n`).join(""), { makeParents: true });
  }
}
