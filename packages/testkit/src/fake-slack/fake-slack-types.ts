/** A user of the fake workspace. */
export interface FakeSlackUser {
  id: string;
  name: string;
  realName?: string;
  isBot?: boolean;
  /** Set for bot users: the `bot_id` their messages carry. */
  botId?: string;
}

/** A channel (`C...`) or direct-message conversation (`D...`). */
export interface FakeSlackChannel {
  id: string;
  name: string;
  isIm: boolean;
  /** For DMs: the other member. */
  user?: string;
}

/** A file as the Web API describes it (`url_private_download` is served by the fake with auth checks). */
export interface FakeSlackFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
}

/** A message as stored by the fake and returned by `conversations.history` / `replies`. */
export interface FakeSlackMessage {
  type: "message";
  ts: string;
  channel: string;
  text: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  thread_ts?: string;
  reply_count?: number;
  files?: FakeSlackFile[];
  /** Every text this message had, oldest first (the first post, then each `chat.update`). */
  edits: string[];
}

/** One Web API call the fake received, in arrival order. */
export interface RecordedCall {
  method: string;
  /** Parsed arguments (JSON-encoded values such as `files` are decoded). */
  args: Record<string, unknown>;
  /** The bearer token the call carried (header or body), if any. */
  token: string | undefined;
  /** `Date.now()` when the call arrived. */
  at: number;
}

/** One Socket Mode envelope the fake sent, and when (if ever) it was acknowledged. */
export interface RecordedEnvelope {
  envelopeId: string;
  type: string;
  /** The `payload` field as sent. */
  payload: Record<string, unknown>;
  /** `Date.now()` of the first delivery attempt. */
  sentAt: number;
  /** Number of deliveries (redeliveries after a dropped socket count). */
  deliveries: number;
  /** `Date.now()` when the first ack arrived. */
  ackedAt?: number;
  /** How many acks arrived (more than one would be a client bug). */
  acks: number;
}

/** A file uploaded through `files.getUploadURLExternal` + POST + `files.completeUploadExternal`. */
export interface RecordedUpload {
  fileId: string;
  filename: string;
  bytes: Buffer;
  /** Set once `files.completeUploadExternal` shared it. */
  channel?: string;
  threadTs?: string;
  title?: string;
  completedAt?: number;
}

/** A request for a file's download URL and whether it carried the bot token. */
export interface RecordedDownload {
  fileId: string;
  authorized: boolean;
  at: number;
}
