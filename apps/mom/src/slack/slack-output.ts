import type { webApi } from "@slack/bolt";
import { splitMessage } from "./slack-text.js";

/** Where a message goes: a channel, optionally inside a thread. */
export interface Place {
  channel: string;
  threadTs?: string;
}

/**
 * Everything mom says in Slack goes through here, so nothing bypasses
 * redaction: each text is passed through `redact` before it leaves the
 * process. Long text is split into several messages (never cut). A Slack
 * failure is logged and reported as `undefined`/`false`, never thrown: a run
 * must not die because one update was refused.
 */
export class SlackOutput {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly redact: (text: string) => string,
    private readonly log: (message: string) => void,
  ) {}

  /** Posts text (split when long); returns the ts of every message posted. */
  async post(place: Place, text: string): Promise<string[]> {
    const posted: string[] = [];
    for (const part of splitMessage(this.redact(text))) {
      try {
        const result = await this.client.chat.postMessage({
          channel: place.channel,
          text: part,
          ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
          unfurl_links: false,
          unfurl_media: false,
        });
        if (result.ts) posted.push(result.ts);
      } catch (error) {
        this.log(`slack: posting to ${place.channel} failed: ${describe(error)}`);
        break;
      }
    }
    return posted;
  }

  /**
   * Replaces a message's text. Text longer than one message goes into the
   * first; the rest is posted after it in `place`. Returns the ts of the
   * extra messages.
   */
  async replace(place: Place, ts: string, text: string): Promise<string[]> {
    const [first = "", ...rest] = splitMessage(this.redact(text));
    try {
      await this.client.chat.update({ channel: place.channel, ts, text: first });
    } catch (error) {
      this.log(`slack: updating a message in ${place.channel} failed: ${describe(error)}`);
      return this.post(place, text);
    }
    const extra: string[] = [];
    for (const part of rest) extra.push(...(await this.post(place, part)));
    return extra;
  }

  /** Uploads bytes as a file to a channel or thread; returns false (and logs) on failure. */
  async upload(place: Place, filename: string, bytes: Uint8Array, title?: string): Promise<boolean> {
    try {
      const file = { file: Buffer.from(bytes), filename, title: this.redact(title ?? filename) };
      await this.client.filesUploadV2(
        place.threadTs ? { ...file, channel_id: place.channel, thread_ts: place.threadTs } : { ...file, channel_id: place.channel },
      );
      return true;
    } catch (error) {
      this.log(`slack: uploading ${filename} to ${place.channel} failed: ${describe(error)}`);
      return false;
    }
  }
}

function describe(error: unknown): string {
  const data = (error as { data?: { error?: string } }).data;
  return data?.error ?? (error instanceof Error ? error.message : String(error));
}
