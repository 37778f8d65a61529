import type { ConfinedDir } from "@monoclaw/core";
import { appendJsonLines, readJsonLines } from "./json-lines.js";

/** How much of a log is read back (its end: the newest messages matter for de-duplication and threads). */
export const LOG_READ_MAX_BYTES = 64 * 1024 * 1024;

/** One line of a channel's `log.jsonl`: a message as it was seen, never rewritten. */
export interface LogEntry {
  /** Slack message ts (unique per channel); the key for de-duplication. */
  ts: string;
  /** ISO time the message was posted. */
  date: string;
  user: string;
  userName?: string;
  text: string;
  /** Set for replies in a thread. */
  threadTs?: string;
  isBot: boolean;
  /** Files shared with the message, as paths relative to the data dir. */
  attachments?: Array<{ name: string; path: string }>;
}

/**
 * A channel's append-only message log. Appends are de-duplicated by `ts`
 * (a redelivered event or an overlapping history fetch never doubles a line),
 * and the set of known ts is loaded once from disk (the newest
 * {@link LOG_READ_MAX_BYTES} of it). `path` is relative to `files`' root.
 */
export class ChannelLog {
  private known: Promise<Set<string>> | undefined;

  constructor(
    private readonly files: ConfinedDir,
    readonly path: string,
  ) {}

  /** Appends the entries not yet in the log; returns those it wrote. */
  async append(entries: readonly LogEntry[]): Promise<LogEntry[]> {
    const known = await this.knownTs();
    const fresh: LogEntry[] = [];
    for (const entry of entries) {
      if (known.has(entry.ts)) continue;
      known.add(entry.ts);
      fresh.push(entry);
    }
    if (fresh.length === 0) return [];
    try {
      await appendJsonLines(this.files, this.path, fresh);
    } catch (error) {
      for (const entry of fresh) known.delete(entry.ts);
      throw error;
    }
    return fresh;
  }

  async has(ts: string): Promise<boolean> {
    return (await this.knownTs()).has(ts);
  }

  /** The newest ts in the log, or undefined when it is empty. */
  async newestTs(): Promise<string | undefined> {
    const known = await this.knownTs();
    if (known.size === 0) return undefined;
    let best: string | undefined;
    for (const ts of known) if (best === undefined || Number(ts) > Number(best)) best = ts;
    return best;
  }

  async entries(): Promise<LogEntry[]> {
    return (await readJsonLines<LogEntry>(this.files, this.path, LOG_READ)).records;
  }

  private knownTs(): Promise<Set<string>> {
    // A failed load (a link refused, say) is not kept: the next call tries again.
    this.known ??= readJsonLines<LogEntry>(this.files, this.path, LOG_READ).then(
      ({ records }) => new Set(records.map((r) => r.ts)),
      (error: unknown) => {
        this.known = undefined;
        throw error;
      },
    );
    return this.known;
  }
}

const LOG_READ = { maxBytes: LOG_READ_MAX_BYTES, from: "end" } as const;
