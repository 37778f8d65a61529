/**
 * What the scripted model server answers to one model request. Each request
 * (on either wire format) takes the next step of the script, in order.
 */
export type ScriptedStep = ScriptedReply | ScriptedError | ScriptedHang | ScriptedDisconnect | ScriptedDynamic;

/** A normal answer: optional text, then optional tool calls, then the finish reason and usage. */
export interface ScriptedReply {
  type?: "reply";
  /** Visible text, streamed in chunks of `chunkSize` characters. */
  text?: string;
  toolCalls?: ScriptedToolCall[];
  /** Token usage reported; default: input = request body length / 4, output = reply length / 4. */
  usage?: { inputTokens: number; outputTokens: number };
  /** Characters per streamed text or argument chunk (default 8). */
  chunkSize?: number;
  /** Pause between streamed chunks in milliseconds (default 0). */
  chunkDelayMs?: number;
  /** After streaming the text, keep the connection open without finishing (until the client aborts or the server closes). */
  hangAfterText?: boolean;
}

/**
 * One tool call. `input` is serialised as JSON; `rawArguments` is sent
 * verbatim instead (use it for deliberately malformed JSON).
 */
export interface ScriptedToolCall {
  id?: string;
  name: string;
  input?: unknown;
  rawArguments?: string;
}

/** An HTTP error in the provider's own error format (429 with `retry-after`, 500, 401...). */
export interface ScriptedError {
  type: "error";
  status: number;
  message?: string;
  headers?: Record<string, string>;
}

/** Accepts the request and never answers, until the client goes away or the server closes. */
export interface ScriptedHang {
  type: "hang";
}

/** Drops the connection without answering (the client sees a network error). */
export interface ScriptedDisconnect {
  type: "disconnect";
}

/** Decides the step from the request (for example to echo a tool result back). */
export interface ScriptedDynamic {
  type: "dynamic";
  respond: (request: import("./recorded-request.js").RecordedRequest) => ScriptedStep;
}

/** Shorthands for writing scripts. */
export const step = {
  text: (text: string, options: Omit<ScriptedReply, "type" | "text"> = {}): ScriptedReply => ({ ...options, text }),
  toolCall: (name: string, input: unknown, options: { id?: string; text?: string } = {}): ScriptedReply => ({
    ...(options.text === undefined ? {} : { text: options.text }),
    toolCalls: [{ name, input, ...(options.id === undefined ? {} : { id: options.id }) }],
  }),
  error: (status: number, options: Omit<ScriptedError, "type" | "status"> = {}): ScriptedError => ({
    type: "error",
    status,
    ...options,
  }),
  hang: (): ScriptedHang => ({ type: "hang" }),
  disconnect: (): ScriptedDisconnect => ({ type: "disconnect" }),
  dynamic: (respond: ScriptedDynamic["respond"]): ScriptedDynamic => ({ type: "dynamic", respond }),
};
