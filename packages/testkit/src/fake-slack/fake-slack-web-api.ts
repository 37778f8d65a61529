import type { FakeSlackChannel, FakeSlackFile, FakeSlackMessage, FakeSlackUser, RecordedUpload } from "./fake-slack-types.js";

/** What the Web API methods read and change; owned by {@link FakeSlack}. */
export interface WebApiState {
  botToken: string;
  appToken: string;
  teamId: string;
  botUser: FakeSlackUser;
  baseUrl: string;
  users: Map<string, FakeSlackUser>;
  channels: Map<string, FakeSlackChannel>;
  messages: Map<string, FakeSlackMessage[]>;
  files: Map<string, { file: FakeSlackFile; bytes: Buffer }>;
  uploads: Map<string, RecordedUpload>;
  nextTs(): string;
  nextId(prefix: string): string;
  socketUrl(): string;
  /** Stores a message posted through the API and lets subscribers (the socket echo) see it. */
  storeMessage(message: FakeSlackMessage): void;
  changed(): void;
}

/** A Web API answer: the JSON body and, for errors that are not `ok: false`, an HTTP status. */
export interface WebApiAnswer {
  status?: number;
  headers?: Record<string, string>;
  body: Record<string, unknown>;
}

type Handler = (state: WebApiState, args: Record<string, unknown>, token: string | undefined) => WebApiAnswer;

const fail = (error: string): WebApiAnswer => ({ body: { ok: false, error } });
const ok = (body: Record<string, unknown> = {}): WebApiAnswer => ({ body: { ok: true, ...body } });

function str(args: Record<string, unknown>, key: string): string | undefined {
  const value = args[key];
  return value === undefined || value === null ? undefined : String(value);
}

function requireBot(token: string | undefined, state: WebApiState): WebApiAnswer | undefined {
  if (token === undefined) return fail("not_authed");
  if (token !== state.botToken) return fail("invalid_auth");
  return undefined;
}

/** Pages a list with Slack's opaque cursor (here: base64 of the offset). */
function page<T>(items: T[], args: Record<string, unknown>): { items: T[]; nextCursor: string } {
  const limit = Math.max(1, Math.min(1000, Number(str(args, "limit") ?? 100) || 100));
  const cursor = str(args, "cursor");
  const offset = cursor
    ? Number(
        Buffer.from(cursor, "base64")
          .toString("utf8")
          .replace(/^offset:/, ""),
      ) || 0
    : 0;
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? Buffer.from(`offset:${offset + limit}`).toString("base64") : "";
  return { items: slice, nextCursor: next };
}

function publicMessage(message: FakeSlackMessage): Record<string, unknown> {
  const { edits: _edits, channel: _channel, ...rest } = message;
  return rest;
}

function inRange(ts: string, args: Record<string, unknown>): boolean {
  const oldest = str(args, "oldest");
  const latest = str(args, "latest");
  const inclusive = str(args, "inclusive") === "true" || str(args, "inclusive") === "1";
  const t = Number(ts);
  if (oldest !== undefined && (inclusive ? t < Number(oldest) : t <= Number(oldest))) return false;
  if (latest !== undefined && (inclusive ? t > Number(latest) : t >= Number(latest))) return false;
  return true;
}

const handlers: Record<string, Handler> = {
  "auth.test": (state, _args, token) => {
    if (token === state.appToken) return fail("not_allowed_token_type");
    return (
      requireBot(token, state) ??
      ok({
        url: "https://fake.slack.local/",
        team: "Fake Team",
        user: state.botUser.name,
        team_id: state.teamId,
        user_id: state.botUser.id,
        bot_id: state.botUser.botId,
        is_enterprise_install: false,
      })
    );
  },

  "apps.connections.open": (state, _args, token) => {
    if (token === undefined) return fail("not_authed");
    if (token !== state.appToken) return fail(token.startsWith("xoxb-") ? "not_allowed_token_type" : "invalid_auth");
    return ok({ url: state.socketUrl() });
  },

  "chat.postMessage": (state, args, token) => {
    const denied = requireBot(token, state);
    if (denied) return denied;
    const channel = str(args, "channel");
    if (!channel || !state.channels.has(channel)) return fail("channel_not_found");
    const text = str(args, "text") ?? "";
    if (text === "" && args.blocks === undefined) return fail("no_text");
    if (text.length > 40_000) return fail("msg_too_long");
    const threadTs = str(args, "thread_ts");
    const message: FakeSlackMessage = {
      type: "message",
      ts: state.nextTs(),
      channel,
      text,
      user: state.botUser.id,
      bot_id: state.botUser.botId,
      edits: [text],
      ...(threadTs ? { thread_ts: threadTs } : {}),
    };
    state.storeMessage(message);
    return ok({ channel, ts: message.ts, message: publicMessage(message) });
  },

  "chat.update": (state, args, token) => {
    const denied = requireBot(token, state);
    if (denied) return denied;
    const channel = str(args, "channel");
    const ts = str(args, "ts");
    if (!channel || !state.channels.has(channel)) return fail("channel_not_found");
    const message = state.messages.get(channel)?.find((m) => m.ts === ts);
    if (!message) return fail("message_not_found");
    if (message.user !== state.botUser.id) return fail("cant_update_message");
    const text = str(args, "text") ?? "";
    if (text.length > 40_000) return fail("msg_too_long");
    message.text = text;
    message.edits.push(text);
    state.changed();
    return ok({ channel, ts, text });
  },

  "conversations.history": (state, args, token) => {
    const denied = requireBot(token, state);
    if (denied) return denied;
    const channel = str(args, "channel");
    if (!channel || !state.channels.has(channel)) return fail("channel_not_found");
    const all = (state.messages.get(channel) ?? [])
      .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts)
      .filter((m) => inRange(m.ts, args))
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const { items, nextCursor } = page(all, args);
    return ok({
      messages: items.map(publicMessage),
      has_more: nextCursor !== "",
      response_metadata: { next_cursor: nextCursor },
    });
  },

  "conversations.replies": (state, args, token) => {
    const denied = requireBot(token, state);
    if (denied) return denied;
    const channel = str(args, "channel");
    const ts = str(args, "ts");
    if (!channel || !state.channels.has(channel)) return fail("channel_not_found");
    const list = state.messages.get(channel) ?? [];
    const parent = list.find((m) => m.ts === ts);
    if (!parent) return fail("thread_not_found");
    const thread = [parent, ...list.filter((m) => m.thread_ts === ts && m.ts !== ts)]
      .filter((m) => m === parent || inRange(m.ts, args))
      .sort((a, b) => Number(a.ts) - Number(b.ts));
    const { items, nextCursor } = page(thread, args);
    return ok({
      messages: items.map(publicMessage),
      has_more: nextCursor !== "",
      response_metadata: { next_cursor: nextCursor },
    });
  },

  "conversations.info": (state, args, token) => {
    const denied = requireBot(token, state);
    if (denied) return denied;
    const channel = state.channels.get(str(args, "channel") ?? "");
    if (!channel) return fail("channel_not_found");
    return ok({
      channel: { id: channel.id, name: channel.name, is_im: channel.isIm, is_channel: !channel.isIm, user: channel.user },
    });
  },

  "users.info": (state, args, token) => {
    const denied = requireBot(token, state);
    if (denied) return denied;
    const user = state.users.get(str(args, "user") ?? "");
    if (!user) return fail("user_not_found");
    return ok({
      user: {
        id: user.id,
        name: user.name,
        real_name: user.realName ?? user.name,
        is_bot: user.isBot === true,
        profile: { display_name: user.name, real_name: user.realName ?? user.name, bot_id: user.botId },
      },
    });
  },

  "files.getUploadURLExternal": (state, args, token) => {
    const denied = requireBot(token, state);
    if (denied) return denied;
    const filename = str(args, "filename");
    const length = Number(str(args, "length"));
    if (!filename) return fail("invalid_arguments");
    if (!Number.isInteger(length) || length < 0) return fail("invalid_arguments");
    const fileId = state.nextId("F");
    state.uploads.set(fileId, { fileId, filename, bytes: Buffer.alloc(0) });
    return ok({ upload_url: `${state.baseUrl}upload/${fileId}`, file_id: fileId });
  },

  "files.completeUploadExternal": (state, args, token) => {
    const denied = requireBot(token, state);
    if (denied) return denied;
    const files = args.files;
    if (!Array.isArray(files) || files.length === 0) return fail("invalid_arguments");
    const channel = str(args, "channel_id");
    if (channel !== undefined && !state.channels.has(channel)) return fail("channel_not_found");
    const threadTs = str(args, "thread_ts");
    const shared: FakeSlackFile[] = [];
    for (const entry of files as Array<{ id?: string; title?: string }>) {
      const upload = entry.id ? state.uploads.get(entry.id) : undefined;
      if (!upload) return fail("file_not_found");
      upload.completedAt = Date.now();
      if (entry.title !== undefined) upload.title = entry.title;
      if (channel !== undefined) upload.channel = channel;
      if (threadTs !== undefined) upload.threadTs = threadTs;
      const file = fileObject(state, upload.fileId, upload.filename, upload.bytes.length, entry.title);
      state.files.set(file.id, { file, bytes: upload.bytes });
      shared.push(file);
    }
    if (channel !== undefined) {
      const text = str(args, "initial_comment") ?? "";
      state.storeMessage({
        type: "message",
        subtype: "file_share",
        ts: state.nextTs(),
        channel,
        text,
        user: state.botUser.id,
        bot_id: state.botUser.botId,
        files: shared,
        edits: [text],
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
    }
    return ok({ files: shared.map((f) => ({ id: f.id, title: f.title, name: f.name })) });
  },
};

/** Builds a file object whose download URL the fake serves. */
export function fileObject(state: WebApiState, id: string, name: string, size: number, title?: string, mimetype?: string): FakeSlackFile {
  const url = `${state.baseUrl}files/${id}/${encodeURIComponent(name)}`;
  return {
    id,
    name,
    title: title ?? name,
    mimetype: mimetype ?? "application/octet-stream",
    size,
    url_private: url,
    url_private_download: `${url}?download=1`,
  };
}

/** Answers one Web API method; unknown methods get Slack's `unknown_method`. */
export function answerWebApi(state: WebApiState, method: string, args: Record<string, unknown>, token: string | undefined): WebApiAnswer {
  const handler = handlers[method];
  if (!handler) return { status: 404, body: { ok: false, error: "unknown_method" } };
  return handler(state, args, token);
}
