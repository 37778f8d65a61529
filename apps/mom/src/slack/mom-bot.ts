import { App, LogLevel, type Logger } from "@slack/bolt";
import type { RunAgent } from "../agent/run-request.js";
import { eventMessageText, type EventFiring } from "../events/event-scheduler.js";
import { ChannelLog, type LogEntry } from "../store/channel-log.js";
import { isChannelId, prepareChannelDir, type DataDir } from "../store/data-dir.js";
import { downloadAttachments, type DownloadedFile, type SlackFile } from "./attachments.js";
import { fetchMissedMessages } from "./history-backfill.js";
import { RunRenderer } from "./run-renderer.js";
import { RunScheduler } from "./run-scheduler.js";
import { SlackCutoff } from "./slack-cutoff.js";
import { slack } from "./slack-message.js";
import { SlackOutput, type Place } from "./slack-output.js";
import { stripMention } from "./slack-text.js";

export interface MomBotOptions {
  dataDir: DataDir;
  botToken: string;
  /** Socket Mode (xapp-). Without it, `signingSecret` selects the HTTP Events API. */
  appToken?: string;
  signingSecret?: string;
  /** Port of the HTTP Events API receiver (default 3000). */
  httpPort?: number;
  /** Web API base URL (MOM_SLACK_API_URL); Slack's own when absent. */
  apiUrl?: string;
  /** Only these users may start runs (all when absent). */
  allowUsers?: ReadonlySet<string>;
  /** Only these channels are served (all when absent). */
  allowChannels?: ReadonlySet<string>;
  /** Answer other bots' mentions too (default false). */
  allowBots?: boolean;
  maxConcurrentRuns?: number;
  runAgent: RunAgent;
  /** Applied to every text before it is posted. */
  redact: (text: string) => string;
  log: (message: string) => void;
  /** How the channel's tools name a file of the data directory (`C1/attachments/x`); the data-relative path when absent. */
  toolPath?: (channelId: string, dataRelative: string) => string;
  /** Minimum milliseconds between updates of a run's main message (default 1000). */
  updateThrottleMs?: number;
  /** How long `stop` lets Slack calls (the stopped runs' last posts, the disconnect) take (default 2500 ms). */
  stopGraceMs?: number;
}

/** Default of {@link MomBotOptions.stopGraceMs}: a short grace, so mom exits in seconds even when Slack is down or hangs. */
export const STOP_GRACE_MS = 2500;

/** A Slack message event, as much of it as mom reads. */
interface MessageEvent {
  type: string;
  subtype?: string;
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  files?: SlackFile[];
}

/** A request to run: a mention, a DM, or a scheduled event. */
interface Trigger {
  channel: string;
  ts: string;
  user: string;
  text: string;
  place: Place;
  quiet: boolean;
}

const STOP = /^stop[.!]?$/i;

/**
 * mom's Slack side: receives events (Socket Mode, or the HTTP Events API),
 * logs every message of a served channel to its `log.jsonl`, downloads
 * shared files, and turns mentions and DMs into runs: one at a time per
 * channel, channels in parallel, a global cap. A request that arrives while
 * its channel is busy is queued and told so; `@mom stop` aborts the running
 * one. Events are acknowledged by bolt before any work starts, and a
 * redelivered event never starts a second run.
 */
export class MomBot {
  readonly app: App;
  private readonly scheduler: RunScheduler;
  private readonly output: SlackOutput;
  private readonly cutoff = new SlackCutoff();
  private stopping = false;
  private readonly logs = new Map<string, ChannelLog>();
  private readonly triggered = new Set<string>();
  private readonly downloads = new Map<string, Promise<DownloadedFile[]>>();
  private readonly userNames = new Map<string, Promise<string>>();
  private botUserId = "";
  private botId = "";

  constructor(private readonly options: MomBotOptions) {
    const logger = boltLogger(options.log);
    const clientOptions = options.apiUrl ? { slackApiUrl: options.apiUrl } : {};
    this.app = options.appToken
      ? new App({ token: options.botToken, appToken: options.appToken, socketMode: true, logger, logLevel: LogLevel.WARN, clientOptions })
      : new App({
          token: options.botToken,
          signingSecret: options.signingSecret ?? "",
          port: options.httpPort ?? 3000,
          logger,
          logLevel: LogLevel.WARN,
          clientOptions,
        });
    this.scheduler = new RunScheduler({
      maxConcurrent: options.maxConcurrentRuns ?? 4,
      onError: (channel, error) => options.log(`run in ${channel} failed: ${(error as Error).stack ?? String(error)}`),
    });
    this.output = new SlackOutput(this.app.client, options.redact, options.log, this.cutoff);
    this.app.event("message", async ({ event }) => this.onMessage(event as unknown as MessageEvent));
    this.app.event("app_mention", async ({ event }) => this.onMention(event as unknown as MessageEvent));
    this.app.error(async (error) => options.log(`slack: ${error.message}`));
  }

  /** Checks the bot token (auth.test), fetches missed history, then connects. */
  async start(): Promise<void> {
    const auth = await this.app.client.auth.test();
    this.botUserId = auth.user_id ?? "";
    this.botId = auth.bot_id ?? "";
    await this.backfill();
    await this.app.start();
  }

  /**
   * Stops: no new run starts, running ones are aborted (their commands
   * end), and Slack gets `stopGraceMs` for the stopped runs' last posts and
   * the disconnect; whatever Slack has not answered by then is given up.
   * Resolves when the runs have ended.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cutoff.begin(this.options.stopGraceMs ?? STOP_GRACE_MS);
    this.scheduler.stopAll();
    // Bolt's stop waits for a socket that may never answer (Slack down, or reconnecting): bounded by the same grace.
    const disconnected = this.cutoff.bound(() => this.app.stop()).catch(() => undefined);
    await Promise.all([disconnected, this.scheduler.idle()]);
  }

  /** Resolves when no run is active or waiting. */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  /** Runs a scheduled event in its channel (quietly: `[SILENT]` answers post nothing); resolves when the run ended. */
  fireEvent(firing: EventFiring): Promise<void> {
    if (this.stopping) return Promise.resolve();
    const channel = firing.event.channelId;
    if (this.options.allowChannels && !this.options.allowChannels.has(channel)) {
      this.options.log(`events: ${firing.fileName} targets ${channel}, which is not in the channel allow-list; skipped`);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const trigger: Trigger = {
        channel,
        ts: `${Date.now() / 1000}`,
        user: "EVENT",
        text: eventMessageText(firing),
        place: { channel },
        quiet: true,
      };
      const result = this.scheduler.submit(channel, async (signal) => {
        try {
          await this.run(trigger, signal);
        } finally {
          resolve();
        }
      });
      if (!result.accepted) reject(new Error(`channel ${channel} is too busy: ${result.reason}`));
    });
  }

  // ---- events ----

  private async onMessage(event: MessageEvent): Promise<void> {
    if (!this.served(event.channel)) return;
    if (event.subtype && event.subtype !== "file_share" && event.subtype !== "thread_broadcast" && event.subtype !== "bot_message") return;
    if (this.isSelf(event)) return;
    await this.record(event);
    const isIm = event.channel_type === "im" || event.channel.startsWith("D");
    if (isIm && this.acceptsSender(event)) this.trigger(event);
  }

  private async onMention(event: MessageEvent): Promise<void> {
    if (!this.served(event.channel) || this.isSelf(event)) return;
    if (event.channel_type === "im" || event.channel.startsWith("D")) return; // DMs are handled as messages
    await this.record(event);
    if (this.acceptsSender(event)) this.trigger(event);
  }

  private served(channel: string): boolean {
    return isChannelId(channel) && (!this.options.allowChannels || this.options.allowChannels.has(channel));
  }

  private isSelf(event: MessageEvent): boolean {
    return event.user === this.botUserId || (this.botId !== "" && event.bot_id === this.botId);
  }

  private acceptsSender(event: MessageEvent): boolean {
    if (event.bot_id !== undefined && !this.options.allowBots) return false;
    if (!event.user) return false;
    if (this.options.allowUsers && !this.options.allowUsers.has(event.user)) {
      this.options.log(`slack: ignored a request from ${event.user} in ${event.channel} (not in the user allow-list)`);
      return false;
    }
    return true;
  }

  /** Logs a message (once per ts) and starts downloading its files. */
  private async record(event: MessageEvent): Promise<void> {
    const channel = this.options.dataDir.channel(event.channel);
    const key = `${event.channel}:${event.ts}`;
    let files = this.downloads.get(key);
    if (!files && event.files?.length) {
      const shared = event.files;
      files = downloadAttachments(shared, {
        botToken: this.options.botToken,
        files: channel.files,
        attachmentsDir: channel.attachmentsDir,
        messageTs: event.ts,
        ...(this.options.apiUrl ? { apiUrl: this.options.apiUrl } : {}),
      }).then((outcomes) => {
        for (const o of outcomes) if (!o.ok) this.options.log(`slack: could not download ${o.name} in ${event.channel}: ${o.reason}`);
        return outcomes.flatMap((o) => (o.ok ? [o.file] : []));
      });
      this.downloads.set(key, files);
    }
    const attachments = files ? await files : [];
    const entry: LogEntry = {
      ts: event.ts,
      date: new Date(Number(event.ts) * 1000).toISOString(),
      user: event.user ?? event.bot_id ?? "unknown",
      userName: event.user ? await this.userName(event.user) : undefined,
      text: event.text ?? "",
      ...(event.thread_ts && event.thread_ts !== event.ts ? { threadTs: event.thread_ts } : {}),
      isBot: event.bot_id !== undefined,
      ...(attachments.length ? { attachments } : {}),
    };
    try {
      await prepareChannelDir(channel);
      await this.channelLog(event.channel).append([entry]);
    } catch (error) {
      // E.g. a link made in the sandbox in place of the channel's directory or log: refused, never followed; the request is still answered.
      this.options.log(`slack: could not log a message in ${event.channel}: ${(error as Error).message}`);
    }
  }

  private trigger(event: MessageEvent): void {
    if (this.stopping) return; // mom is going away: a request arriving now is logged, not started
    const key = `${event.channel}:${event.ts}`;
    if (this.triggered.has(key)) return; // redelivered, or the message + app_mention pair
    this.triggered.add(key);
    if (this.triggered.size > 10_000) this.triggered.delete(this.triggered.values().next().value as string);

    const text = stripMention(event.text ?? "", this.botUserId);
    const place: Place = event.thread_ts ? { channel: event.channel, threadTs: event.thread_ts } : { channel: event.channel };
    const replyPlace: Place = { channel: event.channel, threadTs: event.thread_ts ?? event.ts };

    if (STOP.test(text)) {
      const stopped = this.scheduler.stop(event.channel);
      const waiting = this.scheduler.waitingCount(event.channel);
      const note = waiting > 0 ? ` ${waiting} queued request${waiting === 1 ? "" : "s"} will still run.` : "";
      void this.output.post(replyPlace, stopped ? `Stopping the running command.${note}` : "Nothing is running in this channel.");
      return;
    }

    const trigger: Trigger = { channel: event.channel, ts: event.ts, user: event.user ?? "unknown", text, place, quiet: false };
    const result = this.scheduler.submit(event.channel, (signal) => this.run(trigger, signal));
    if (!result.accepted) {
      void this.output.post(replyPlace, `I saw this, but I'm too busy to queue it (${result.reason}). Please ask again when the current work is done.`);
    } else if (result.ahead > 0) {
      // slack`...`: the mention of mom herself is her own markup and stays live.
      void this.output.post(
        replyPlace,
        slack`Queued: ${result.ahead} request${result.ahead === 1 ? "" : "s"} ahead of this one in this channel. I'll answer when it's this one's turn (<@${this.botUserId}> stop ends the running one).`,
      );
    }
  }

  // ---- runs ----

  private async run(trigger: Trigger, signal: AbortSignal): Promise<void> {
    const renderer = new RunRenderer(this.output, {
      place: trigger.place,
      quiet: trigger.quiet,
      ...(this.options.updateThrottleMs !== undefined ? { throttleMs: this.options.updateThrottleMs } : {}),
    });
    renderer.start();
    const prompt = await this.prompt(trigger);
    let finalText = "";
    let reason = "stop";
    let errorText = "";
    for await (const event of this.options.runAgent({
      channelId: trigger.channel,
      prompt,
      place: trigger.place,
      signal,
      upload: (filename, bytes, title) => this.output.upload(trigger.place, filename, bytes, title),
    })) {
      renderer.onEvent(event);
      if (event.type === "error" && event.kind !== "aborted") errorText = event.message;
      if (event.type === "turn-end") {
        finalText = event.text;
        reason = event.reason;
      }
    }
    let shown = finalText.trim();
    if (reason === "aborted" || signal.aborted) shown = `${shown ? `${shown}\n\n` : ""}_Stopped: the running command was ended._`;
    else if (reason === "error") shown = `${shown ? `${shown}\n\n` : ""}_Something went wrong: ${errorText || "the run failed"}_`;
    else if (reason === "max-steps") shown = `${shown ? `${shown}\n\n` : ""}_I stopped after the maximum number of steps._`;
    const rendered = await renderer.finish(shown);
    if (rendered.mainTs) {
      await this.channelLog(trigger.channel)
        .append([
          { ts: rendered.mainTs, date: new Date().toISOString(), user: this.botUserId, userName: "mom", text: this.options.redact(rendered.text), isBot: true },
        ])
        .catch((error: unknown) => this.options.log(`slack: could not log the answer in ${trigger.channel}: ${(error as Error).message}`));
    }
  }

  private async prompt(trigger: Trigger): Promise<string> {
    if (trigger.quiet) return trigger.text;
    const download = this.downloads.get(`${trigger.channel}:${trigger.ts}`);
    const files = download ? await this.cutoff.bound(download).catch(() => []) : [];
    const name = await this.userName(trigger.user);
    const when = new Date(Number(trigger.ts) * 1000).toISOString();
    const lines = [`[${when}] [${name} (${trigger.user})]: ${trigger.text}`];
    const at = (path: string) => this.options.toolPath?.(trigger.channel, path) ?? path;
    for (const file of files) lines.push(`[attached: ${file.name} saved at ${at(file.path)}]`);
    return lines.join("\n");
  }

  private userName(user: string): Promise<string> {
    let name = this.userNames.get(user);
    if (!name) {
      name = this.cutoff
        .bound(() => this.app.client.users.info({ user }))
        .then((r) => r.user?.profile?.display_name || r.user?.real_name || r.user?.name || user)
        .catch(() => user);
      this.userNames.set(user, name);
    }
    return name;
  }

  private channelLog(channel: string): ChannelLog {
    let log = this.logs.get(channel);
    if (!log) {
      const dir = this.options.dataDir.channel(channel);
      log = new ChannelLog(dir.files, dir.logFile);
      this.logs.set(channel, log);
    }
    return log;
  }

  /** Fetches messages posted while mom was away into the logs of the channels she knows. */
  private async backfill(): Promise<void> {
    let names: string[];
    try {
      // Channel directories only: a link in their place is not followed (ConfinedDir lists it as a link).
      names = (await this.options.dataDir.files.readdir("")).filter((e) => e.kind === "directory").map((e) => e.name);
    } catch (error) {
      this.options.log(`history: cannot list the data directory: ${(error as Error).message}`);
      return;
    }
    for (const channel of names.filter((n) => this.served(n))) {
      const log = this.channelLog(channel);
      try {
        // Inside the try: a log refused (a link made in the sandbox) skips that channel, never mom's start.
        const oldest = await log.newestTs();
        const missed = await fetchMissedMessages({
          client: this.app.client,
          channel,
          botUserId: this.botUserId,
          ...(oldest ? { oldest } : {}),
          knownThreads: [...new Set((await log.entries()).flatMap((e) => (e.threadTs ? [e.threadTs] : [])))],
        });
        const written = await log.append(missed);
        if (written.length) this.options.log(`history: ${written.length} message(s) posted in ${channel} while mom was away added to its log`);
      } catch (error) {
        this.options.log(`history: could not fetch ${channel}: ${(error as { data?: { error?: string } }).data?.error ?? (error as Error).message}`);
      }
    }
  }
}

function boltLogger(log: (message: string) => void): Logger {
  let level = LogLevel.WARN;
  const rank = { [LogLevel.DEBUG]: 0, [LogLevel.INFO]: 1, [LogLevel.WARN]: 2, [LogLevel.ERROR]: 3 };
  const at =
    (l: LogLevel) =>
    (...messages: unknown[]) => {
      if (rank[l] >= rank[level]) log(`slack ${l}: ${messages.map(String).join(" ")}`);
    };
  return {
    debug: at(LogLevel.DEBUG),
    info: at(LogLevel.INFO),
    warn: at(LogLevel.WARN),
    error: at(LogLevel.ERROR),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
