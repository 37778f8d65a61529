import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type {
  FakeSlackChannel,
  FakeSlackFile,
  FakeSlackMessage,
  FakeSlackUser,
  RecordedCall,
  RecordedDownload,
  RecordedEnvelope,
  RecordedUpload,
} from "./fake-slack-types.js";
import { answerWebApi, fileObject, type WebApiAnswer, type WebApiState } from "./fake-slack-web-api.js";

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  /** The bot's user id (default `UBOT`) and bot id (default `BBOT`). */
  botUserId?: string;
  botId?: string;
  botName?: string;
  /**
   * Send a `message` event back over the socket for every message the bot
   * posts, as real Slack does for channels the app listens to (default true).
   * A correct bot ignores them.
   */
  echoBotMessages?: boolean;
}

export interface PostUserMessageOptions {
  channel: string;
  user: string;
  text: string;
  threadTs?: string;
  files?: FakeSlackFile[];
  /** Store the message without sending any event (history posted while the bot was away). */
  silent?: boolean;
  /** Send an `app_mention` event too (default: when the text mentions the bot in a non-DM channel). */
  mention?: boolean;
  /** Mark the message as coming from another bot (`bot_id` set). */
  botId?: string;
}

export interface PostedUserMessage {
  ts: string;
  /** Envelope ids sent for this message (`message`, then `app_mention` when it mentions the bot). */
  envelopeIds: string[];
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Names the condition in the timeout error. */
  description?: string;
}

/**
 * A fake Slack workspace on 127.0.0.1 for the real `@slack/bolt` client:
 * the Web API under `apiUrl` (give it as `clientOptions.slackApiUrl`) and a
 * Socket Mode WebSocket whose URL `apps.connections.open` returns.
 *
 * Rules it keeps:
 * - Every Web API call, envelope and ack is recorded with `Date.now()`
 *   timestamps; tests assert on `calls`, `envelopes`, `messages(...)`.
 * - Envelopes are delivered to the newest connected socket after its
 *   `hello`. An envelope sent while no socket is connected, or not acked
 *   when its socket drops, is (re)delivered after the next `hello` with
 *   `retry_attempt` increased, as Slack does: events are never lost, and a
 *   client must tolerate redeliveries.
 * - File download URLs answer 200 only with the bot token as bearer, 403
 *   otherwise; every download is recorded.
 * - It sends traffic to nobody: it only answers.
 */
export class FakeSlack {
  readonly botToken: string;
  readonly appToken: string;
  readonly botUser: FakeSlackUser;
  readonly teamId = "TFAKE";
  readonly calls: RecordedCall[] = [];
  readonly envelopes: RecordedEnvelope[] = [];
  readonly uploads = new Map<string, RecordedUpload>();
  readonly downloads: RecordedDownload[] = [];
  /** Number of Socket Mode connections opened so far. */
  connectionCount = 0;

  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly emitter = new EventEmitter();
  private readonly users = new Map<string, FakeSlackUser>();
  private readonly channels = new Map<string, FakeSlackChannel>();
  private readonly store = new Map<string, FakeSlackMessage[]>();
  private readonly files = new Map<string, { file: FakeSlackFile; bytes: Buffer }>();
  private readonly echoBotMessages: boolean;
  private readonly failures = new Map<string, WebApiAnswer[]>();
  private readonly pending: RecordedEnvelope[] = [];
  private readonly inFlight = new Map<string, { envelope: RecordedEnvelope; socket: WebSocket }>();
  private readonly tickets = new Set<string>();
  private readonly delays = new Map<string, number>();
  private readonly held = new Set<ServerResponse>();
  private readonly heldUpgrades = new Set<Duplex>();
  private unresponsive = false;
  private socket: WebSocket | undefined;
  private port = 0;
  private lastTs = 0;
  private idCounter = 0;

  private constructor(options: FakeSlackOptions) {
    this.botToken = options.botToken ?? "xoxb-fake-bot-token";
    this.appToken = options.appToken ?? "xapp-1-fake-app-token";
    this.botUser = {
      id: options.botUserId ?? "UBOT",
      name: options.botName ?? "mom",
      isBot: true,
      botId: options.botId ?? "BBOT",
    };
    this.users.set(this.botUser.id, this.botUser);
    this.echoBotMessages = options.echoBotMessages ?? true;
    this.emitter.setMaxListeners(0);
    this.server = createServer((req, res) => {
      this.handleHttp(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(error));
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on("upgrade", (req, socket, head) => {
      if (this.unresponsive) {
        // Held: the client waits for an answer that never comes.
        this.heldUpgrades.add(socket);
        socket.once("close", () => this.heldUpgrades.delete(socket));
        return;
      }
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const ticket = url.searchParams.get("ticket") ?? "";
      if (url.pathname !== "/socket" || !this.tickets.delete(ticket)) {
        socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
  }

  /** Starts a fake Slack on an ephemeral port of 127.0.0.1. */
  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once("error", reject);
      fake.server.listen(0, "127.0.0.1", () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** Base URL of the Web API, ending in `/api/` (bolt's `slackApiUrl`). */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** Whether a socket is connected and has been sent `hello`. */
  get connected(): boolean {
    return this.socket !== undefined;
  }

  addUser(user: FakeSlackUser): FakeSlackUser {
    this.users.set(user.id, user);
    return user;
  }

  /** Adds a channel (`C...`) or a DM (`isIm`, `D...`). */
  addChannel(channel: { id: string; name?: string; isIm?: boolean; user?: string }): FakeSlackChannel {
    const entry: FakeSlackChannel = {
      id: channel.id,
      name: channel.name ?? channel.id.toLowerCase(),
      isIm: channel.isIm ?? false,
      ...(channel.user ? { user: channel.user } : {}),
    };
    this.channels.set(entry.id, entry);
    if (!this.store.has(entry.id)) this.store.set(entry.id, []);
    return entry;
  }

  /** Makes a file downloadable (with the bot token) and returns the object to attach to a message. */
  addFile(name: string, bytes: Buffer | string, mimetype = "text/plain"): FakeSlackFile {
    const data = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
    const file = fileObject(this.webState(), this.nextId("F"), name, data.length, name, mimetype);
    this.files.set(file.id, { file, bytes: data });
    return file;
  }

  /**
   * A user posts a message: it is stored (history sees it) and, unless
   * `silent`, a `message` event is sent, plus an `app_mention` event when it
   * mentions the bot outside a DM.
   */
  postUserMessage(options: PostUserMessageOptions): PostedUserMessage {
    const channel = this.channels.get(options.channel);
    if (!channel) throw new Error(`fake slack: unknown channel ${options.channel}; call addChannel first`);
    const ts = this.nextTs();
    const message: FakeSlackMessage = {
      type: "message",
      ts,
      channel: channel.id,
      text: options.text,
      user: options.user,
      edits: [options.text],
      ...(options.botId ? { bot_id: options.botId, subtype: "bot_message" } : {}),
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
      ...(options.files?.length ? { files: options.files, subtype: "file_share" } : {}),
    };
    this.insertMessage(message);
    if (options.silent) {
      this.changed();
      return { ts, envelopeIds: [] };
    }
    const event = this.messageEvent(message, channel);
    const envelopeIds = [this.sendEvent(event)];
    const mentions = options.mention ?? (!channel.isIm && options.text.includes(`<@${this.botUser.id}>`));
    if (mentions) envelopeIds.push(this.sendEvent({ ...event, type: "app_mention", subtype: undefined, channel_type: undefined }));
    return { ts, envelopeIds };
  }

  /** Wraps an event in an `events_api` envelope and delivers it (or queues it until a socket is connected). */
  sendEvent(event: Record<string, unknown>): string {
    const envelopeId = randomUUID();
    const eventTs = (event.event_ts as string | undefined) ?? (event.ts as string | undefined) ?? this.nextTs();
    const envelope: RecordedEnvelope = {
      envelopeId,
      type: "events_api",
      payload: {
        token: "verification-token",
        team_id: this.teamId,
        api_app_id: "AFAKE",
        event: { ...stripUndefined(event), event_ts: eventTs },
        type: "event_callback",
        event_id: `Ev${this.nextId("")}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ team_id: this.teamId, user_id: this.botUser.id, is_bot: true, is_enterprise_install: false }],
      },
      sentAt: Date.now(),
      deliveries: 0,
      acks: 0,
    };
    this.envelopes.push(envelope);
    this.deliver(envelope);
    this.changed();
    return envelopeId;
  }

  /** Messages of a channel, oldest first, including thread replies. */
  messages(channel: string): FakeSlackMessage[] {
    return [...(this.store.get(channel) ?? [])];
  }

  /** Messages the bot posted in a channel (top level and replies), oldest first. */
  botMessages(channel: string): FakeSlackMessage[] {
    return this.messages(channel).filter((m) => m.user === this.botUser.id);
  }

  /** Replies in a thread, oldest first, parent excluded. */
  threadReplies(channel: string, threadTs: string): FakeSlackMessage[] {
    return this.messages(channel).filter((m) => m.thread_ts === threadTs && m.ts !== threadTs);
  }

  /** Calls of one Web API method, in order. */
  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Makes the next call of `method` fail: with `{ ok: false, error }` or an HTTP 429 with `Retry-After`. */
  failNext(method: string, failure: { error: string } | { rateLimitedSeconds: number }): void {
    const answer: WebApiAnswer =
      "error" in failure
        ? { body: { ok: false, error: failure.error } }
        : { status: 429, headers: { "retry-after": String(failure.rateLimitedSeconds) }, body: { ok: false, error: "ratelimited" } };
    const list = this.failures.get(method) ?? [];
    list.push(answer);
    this.failures.set(method, list);
  }

  /**
   * Delays the answers to these Web API methods by `ms` (0 removes the
   * delay), as a slow or rate-limited Slack would: the call is recorded when
   * it arrives and answered later.
   */
  delayResponses(methods: readonly string[], ms: number): void {
    for (const method of methods) {
      if (ms > 0) this.delays.set(method, ms);
      else this.delays.delete(method);
    }
  }

  /**
   * Slack stops answering, as behind a network black hole: every HTTP
   * request (Web API, upload, download, a new socket's upgrade) is held open
   * unanswered, and every Socket Mode connection stops reading and writing
   * (no acks, no pongs). Nothing is closed. Calls are still recorded.
   */
  stopAnswering(): void {
    this.unresponsive = true;
    for (const client of this.wss.clients) client.pause();
  }

  /** Drops the Socket Mode connection abruptly (no close frame), as a network failure would. */
  dropSocket(): void {
    for (const client of this.wss.clients) client.terminate();
    this.socket = undefined;
  }

  /** Asks the client to reconnect, as Slack does before recycling a server (`disconnect` message). */
  requestReconnect(reason = "refresh_requested"): void {
    this.socket?.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "fake" } }));
  }

  /**
   * Resolves with the predicate's first truthy value, re-checked on every
   * change (call, ack, message). Rejects after `timeoutMs` (default 30 s)
   * with the description, so a failing test says what never happened.
   */
  waitFor<T>(predicate: () => T | undefined | false | null, options: WaitOptions = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        const value = predicate();
        if (value === undefined || value === false || value === null) return false;
        cleanup();
        resolve(value);
        return true;
      };
      const onChange = (): void => {
        try {
          check();
        } catch (error) {
          cleanup();
          reject(error);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake slack: timed out after ${timeoutMs} ms waiting for ${options.description ?? "a condition"}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.emitter.off("change", onChange);
      };
      this.emitter.on("change", onChange);
      onChange();
    });
  }

  /** Closes every socket and the server. */
  async close(): Promise<void> {
    this.socket = undefined;
    for (const res of this.held) res.destroy();
    for (const socket of this.heldUpgrades) socket.destroy();
    this.held.clear();
    this.heldUpgrades.clear();
    await Promise.all(
      [...this.wss.clients].map(
        (client) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              client.terminate();
              resolve();
            }, 1000);
            client.once("close", () => {
              clearTimeout(timer);
              resolve();
            });
            if (this.unresponsive) client.terminate();
            else client.close(1001, "server closing");
          }),
      ),
    );
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- internals ----

  private onSocket(ws: WebSocket): void {
    this.connectionCount += 1;
    ws.on("message", (data) => this.onSocketMessage(ws, data.toString()));
    ws.on("close", () => this.onSocketClosed(ws));
    ws.on("error", () => this.onSocketClosed(ws));
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.wss.clients.size,
        debug_info: { host: "fake-slack", approximate_connection_time: 18060 },
        connection_info: { app_id: "AFAKE" },
      }),
    );
    this.socket = ws;
    this.changed();
    const queued = this.pending.splice(0);
    for (const envelope of queued) this.deliver(envelope);
  }

  private onSocketClosed(ws: WebSocket): void {
    if (this.socket === ws) this.socket = undefined;
    for (const [id, entry] of this.inFlight) {
      if (entry.socket !== ws) continue;
      this.inFlight.delete(id);
      this.deliver(entry.envelope);
    }
    this.changed();
  }

  private onSocketMessage(ws: WebSocket, text: string): void {
    let message: { envelope_id?: string };
    try {
      message = JSON.parse(text) as { envelope_id?: string };
    } catch {
      return;
    }
    if (!message.envelope_id) return;
    const envelope = this.envelopes.find((e) => e.envelopeId === message.envelope_id);
    if (!envelope) return;
    envelope.acks += 1;
    envelope.ackedAt ??= Date.now();
    const flight = this.inFlight.get(envelope.envelopeId);
    if (flight?.socket === ws) this.inFlight.delete(envelope.envelopeId);
    this.changed();
  }

  private deliver(envelope: RecordedEnvelope): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== socket.OPEN || envelope.ackedAt !== undefined) {
      if (envelope.ackedAt === undefined) this.pending.push(envelope);
      return;
    }
    envelope.deliveries += 1;
    this.inFlight.set(envelope.envelopeId, { envelope, socket });
    socket.send(
      JSON.stringify({
        envelope_id: envelope.envelopeId,
        type: envelope.type,
        payload: envelope.payload,
        accepts_response_payload: false,
        retry_attempt: envelope.deliveries - 1,
        retry_reason: envelope.deliveries > 1 ? "timeout" : "",
      }),
    );
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readBody(req);
    if (this.unresponsive && !url.pathname.startsWith("/api/")) {
      this.hold(res);
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];

    if (url.pathname.startsWith("/api/")) {
      const method = url.pathname.slice("/api/".length);
      const args = parseArgs(body, req.headers["content-type"] ?? "", url.searchParams);
      const token = bearer ?? (typeof args.token === "string" ? args.token : undefined);
      delete args.token;
      this.calls.push({ method, args, token, at: Date.now() });
      this.changed();
      const delay = this.delays.get(method);
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.unresponsive) {
        this.hold(res);
        return;
      }
      const failure = this.failures.get(method)?.shift();
      const answer = failure ?? answerWebApi(this.webState(), method, args, token);
      res.writeHead(answer.status ?? 200, { "content-type": "application/json; charset=utf-8", ...answer.headers });
      res.end(JSON.stringify(answer.body));
      this.changed();
      return;
    }

    const upload = /^\/upload\/([A-Z0-9]+)$/.exec(url.pathname);
    if (upload && req.method === "POST") {
      const entry = this.uploads.get(upload[1] ?? "");
      if (!entry) {
        res.writeHead(404).end("unknown upload");
        return;
      }
      entry.bytes = await uploadedBytes(body, req.headers["content-type"] ?? "");
      res.writeHead(200, { "content-type": "text/plain" }).end(`OK - ${entry.bytes.length}`);
      this.changed();
      return;
    }

    const download = /^\/files\/([A-Z0-9]+)\//.exec(url.pathname);
    if (download && req.method === "GET") {
      const fileId = download[1] ?? "";
      const authorized = bearer === this.botToken;
      this.downloads.push({ fileId, authorized, at: Date.now() });
      this.changed();
      const entry = this.files.get(fileId);
      if (!authorized) {
        res.writeHead(403, { "content-type": "text/plain" }).end("missing or invalid bot token");
        return;
      }
      if (!entry) {
        res.writeHead(404, { "content-type": "text/plain" }).end("file not found");
        return;
      }
      res.writeHead(200, { "content-type": entry.file.mimetype, "content-length": String(entry.bytes.length) });
      res.end(entry.bytes);
      return;
    }

    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }

  /** Keeps a request open without answering; `close` destroys it. */
  private hold(res: ServerResponse): void {
    this.held.add(res);
    res.once("close", () => this.held.delete(res));
  }

  private messageEvent(message: FakeSlackMessage, channel: FakeSlackChannel): Record<string, unknown> {
    const { edits: _edits, reply_count: _replies, ...event } = message;
    return { ...event, channel_type: channel.isIm ? "im" : "channel" };
  }

  private insertMessage(message: FakeSlackMessage): void {
    const list = this.store.get(message.channel) ?? [];
    list.push(message);
    this.store.set(message.channel, list);
    if (message.thread_ts && message.thread_ts !== message.ts) {
      const parent = list.find((m) => m.ts === message.thread_ts);
      if (parent) {
        parent.thread_ts = parent.ts;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
      }
    }
  }

  private storeBotMessage(message: FakeSlackMessage): void {
    this.insertMessage(message);
    const channel = this.channels.get(message.channel);
    if (this.echoBotMessages && channel) this.sendEvent(this.messageEvent(message, channel));
    this.changed();
  }

  private webState(): WebApiState {
    return {
      botToken: this.botToken,
      appToken: this.appToken,
      teamId: this.teamId,
      botUser: this.botUser,
      baseUrl: `http://127.0.0.1:${this.port}/`,
      users: this.users,
      channels: this.channels,
      messages: this.store,
      files: this.files,
      uploads: this.uploads,
      nextTs: () => this.nextTs(),
      nextId: (prefix) => this.nextId(prefix),
      socketUrl: () => {
        const ticket = randomUUID();
        this.tickets.add(ticket);
        return `ws://127.0.0.1:${this.port}/socket?ticket=${ticket}`;
      },
      storeMessage: (message) => this.storeBotMessage(message),
      changed: () => this.changed(),
    };
  }

  private nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, "0")}`;
  }

  private nextId(prefix: string): string {
    this.idCounter += 1;
    return `${prefix}${String(this.idCounter).padStart(8, "0")}`;
  }

  private changed(): void {
    this.emitter.emit("change");
  }
}

/** Starts a fake Slack on 127.0.0.1 (see {@link FakeSlack}). */
export function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  return FakeSlack.start(options);
}

function stripUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Parses a Web API request body (form-encoded, JSON or query), decoding JSON-valued fields. */
function parseArgs(body: Buffer, contentType: string, query: URLSearchParams): Record<string, unknown> {
  const args: Record<string, unknown> = Object.fromEntries(query);
  if (contentType.includes("application/json")) {
    Object.assign(args, JSON.parse(body.toString("utf8") || "{}") as Record<string, unknown>);
    return args;
  }
  for (const [key, value] of new URLSearchParams(body.toString("utf8"))) {
    args[key] = /^[[{]/.test(value) ? tryJson(value) : value;
  }
  return args;
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** The bytes of an upload POST: the file part of a multipart body, or the raw body. */
async function uploadedBytes(body: Buffer, contentType: string): Promise<Buffer> {
  if (!contentType.startsWith("multipart/form-data")) return body;
  const form = await new Response(body, { headers: { "content-type": contentType } }).formData();
  for (const value of form.values()) {
    if (typeof value !== "string") return Buffer.from(await value.arrayBuffer());
  }
  return Buffer.alloc(0);
}
