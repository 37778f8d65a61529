import type { webApi } from "@slack/bolt";
import { SlackCutoff, SlackCutoffError } from "./slack-cutoff.js";
import { SlackMessage } from "./slack-message.js";
import { splitMessage } from "./slack-text.js";

/** Where a message goes: a channel, optionally inside a thread. */
export interface Place {
  channel: string;
  threadTs?: string;
}

/**
 * What mom posts: a {@link SlackMessage} (parts of known origin), or a plain
 * string, which is taken as the model's markdown: escaped and converted, never
 * sent as live mrkdwn. mom's own mentions and links need `SlackMessage.markup`
 * or the `slack` template.
 */
export type Postable = SlackMessage | string;

/**
 * Everything mom says in Slack goes through here, so nothing bypasses
 * redaction or escaping: each text is passed through `redact`, and every part
 * mom did not write is escaped (see {@link SlackMessage}), before it leaves
 * the process. Long text is split into several messages (never cut). A Slack
 * failure is logged and reported as `undefined`/`false`, never thrown: a run
 * must not die because one update was refused. Every call ends by `cutoff`'s
 * deadline once mom is stopping.
 */
export class SlackOutput {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly redact: (text: string) => string,
    private readonly log: (message: string) => void,
    private readonly cutoff: SlackCutoff = new SlackCutoff(),
  ) {}

  /** Posts a message (split when long); returns the ts of every message posted. */
  async post(place: Place, message: Postable): Promise<string[]> {
    return this.postMrkdwn(place, this.render(message));
  }

  private render(message: Postable): string {
    return (typeof message === "string" ? SlackMessage.markdown(message) : message).toMrkdwn(this.redact);
  }

  private async postMrkdwn(place: Place, mrkdwn: string): Promise<string[]> {
    const posted: string[] = [];
    for (const part of splitMessage(mrkdwn)) {
      try {
        const result = await this.cutoff.bound(() =>
          this.client.chat.postMessage({
            channel: place.channel,
            text: part,
            ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
            // Plain `@channel` or `#general` in text stays text; only `<...>` markup mom wrote mentions.
            link_names: false,
            unfurl_links: false,
            unfurl_media: false,
          }),
        );
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
  async replace(place: Place, ts: string, message: Postable): Promise<string[]> {
    const mrkdwn = this.render(message);
    const [first = "", ...rest] = splitMessage(mrkdwn);
    try {
      await this.cutoff.bound(() => this.client.chat.update({ channel: place.channel, ts, text: first, link_names: false }));
    } catch (error) {
      this.log(`slack: updating a message in ${place.channel} failed: ${describe(error)}`);
      if (error instanceof SlackCutoffError) return [];
      return this.postMrkdwn(place, mrkdwn);
    }
    const extra: string[] = [];
    for (const part of rest) extra.push(...(await this.postMrkdwn(place, part)));
    return extra;
  }

  /** Uploads bytes as a file to a channel or thread; returns false (and logs) on failure. */
  async upload(place: Place, filename: string, bytes: Uint8Array, title?: string): Promise<boolean> {
    try {
      // The title is the model's text (or the file's name): escaped like everything mom did not write.
      const file = { file: Buffer.from(bytes), filename, title: SlackMessage.text(title ?? filename).toMrkdwn(this.redact) };
      await this.cutoff.bound(() =>
        this.client.filesUploadV2(place.threadTs ? { ...file, channel_id: place.channel, thread_ts: place.threadTs } : { ...file, channel_id: place.channel }),
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
