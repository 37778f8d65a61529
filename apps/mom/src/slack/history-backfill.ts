import type { webApi } from "@slack/bolt";
import type { LogEntry } from "../store/channel-log.js";

/** A message as conversations.history / replies return it (the fields mom reads). */
export interface SlackMessage {
  ts?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  text?: string;
  thread_ts?: string;
  reply_count?: number;
  files?: Array<{ name?: string }>;
}

export interface BackfillOptions {
  client: webApi.WebClient;
  channel: string;
  /** Fetch only messages newer than this ts (the newest one already logged). */
  oldest?: string;
  botUserId: string;
  /** Also fetch replies of threads whose parent is older than `oldest` but active since (parents listed here). */
  knownThreads?: readonly string[];
}

/**
 * Fetches what was posted in a channel after `oldest`: every page of
 * history, and every page of each thread's replies. Returns log entries
 * oldest first; the caller's log drops ts it already has, so overlapping
 * fetches never duplicate.
 */
export async function fetchMissedMessages(options: BackfillOptions): Promise<LogEntry[]> {
  const { client, channel } = options;
  const found = new Map<string, SlackMessage>();
  const threads = new Set<string>(options.knownThreads ?? []);
  let cursor: string | undefined;
  do {
    const page = await client.conversations.history({
      channel,
      limit: 200,
      ...(options.oldest ? { oldest: options.oldest } : {}),
      ...(cursor ? { cursor } : {}),
    });
    for (const message of (page.messages ?? []) as SlackMessage[]) {
      if (!message.ts) continue;
      found.set(message.ts, message);
      if ((message.reply_count ?? 0) > 0) threads.add(message.ts);
    }
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);

  for (const threadTs of threads) {
    let replyCursor: string | undefined;
    do {
      let page;
      try {
        page = await client.conversations.replies({
          channel,
          ts: threadTs,
          limit: 200,
          ...(options.oldest ? { oldest: options.oldest } : {}),
          ...(replyCursor ? { cursor: replyCursor } : {}),
        });
      } catch {
        break; // thread deleted meanwhile
      }
      for (const message of (page.messages ?? []) as SlackMessage[]) {
        if (!message.ts) continue;
        if (options.oldest && Number(message.ts) <= Number(options.oldest)) continue;
        found.set(message.ts, message);
      }
      replyCursor = page.response_metadata?.next_cursor || undefined;
    } while (replyCursor);
  }

  return [...found.values()]
    .sort((a, b) => Number(a.ts) - Number(b.ts))
    .filter((m) => m.subtype !== "channel_join" && m.subtype !== "message_deleted")
    .map((m) => toLogEntry(m, options.botUserId));
}

export function toLogEntry(message: SlackMessage, botUserId: string): LogEntry {
  const ts = message.ts ?? "0";
  return {
    ts,
    date: new Date(Number(ts) * 1000).toISOString(),
    user: message.user ?? message.bot_id ?? "unknown",
    text: message.text ?? "",
    ...(message.thread_ts && message.thread_ts !== ts ? { threadTs: message.thread_ts } : {}),
    isBot: message.bot_id !== undefined || message.user === botUserId,
    ...(message.files?.length ? { attachments: message.files.map((f) => ({ name: f.name ?? "file", path: "" })) } : {}),
  };
}
