import type { ScriptedReply, ScriptedToolCall } from "./scripted-step.js";
import type { WireFormat } from "./recorded-request.js";

/** Everything a wire format needs to render one scripted reply. */
export interface ReplyContext {
  model: string;
  /** Unique per request, used for response and tool call ids. */
  requestIndex: number;
  usage: { inputTokens: number; outputTokens: number };
}

/**
 * A rendered reply: SSE frames for a streaming request (the frames up to
 * `hangAt` are sent, then the server stops answering when the reply hangs),
 * or one JSON body for a non-streaming one.
 */
export interface RenderedReply {
  frames: string[];
  /** Index of the first frame held back when the reply hangs after its text. */
  textEnd: number;
  json: unknown;
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function argumentsOf(call: ScriptedToolCall): string {
  return call.rawArguments ?? JSON.stringify(call.input ?? {});
}

function toolCallId(format: WireFormat, context: ReplyContext, index: number, call: ScriptedToolCall): string {
  return call.id ?? (format === "openai" ? `call_${context.requestIndex}_${index}` : `toolu_${context.requestIndex}_${index}`);
}

function sse(data: unknown, event?: string): string {
  return `${event === undefined ? "" : `event: ${event}\n`}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

/** OpenAI `/v1/chat/completions`: `chat.completion.chunk` frames, streamed `tool_calls`, a usage frame, `[DONE]`. */
export function renderOpenAI(reply: ScriptedReply, context: ReplyContext): RenderedReply {
  const size = reply.chunkSize ?? 8;
  const id = `chatcmpl-${context.requestIndex}`;
  const created = Math.floor(Date.now() / 1000);
  const frame = (choice: Record<string, unknown> | null, extra: Record<string, unknown> = {}) =>
    sse({ id, object: "chat.completion.chunk", created, model: context.model, choices: choice === null ? [] : [{ index: 0, ...choice }], ...extra });
  const frames = [frame({ delta: { role: "assistant", content: "" }, finish_reason: null })];
  for (const piece of chunks(reply.text ?? "", size)) frames.push(frame({ delta: { content: piece }, finish_reason: null }));
  const textEnd = frames.length;
  const calls = reply.toolCalls ?? [];
  calls.forEach((call, index) => {
    const callId = toolCallId("openai", context, index, call);
    frames.push(
      frame({
        delta: { tool_calls: [{ index, id: callId, type: "function", function: { name: call.name, arguments: "" } }] },
        finish_reason: null,
      }),
    );
    for (const piece of chunks(argumentsOf(call), size)) {
      frames.push(frame({ delta: { tool_calls: [{ index, function: { arguments: piece } }] }, finish_reason: null }));
    }
  });
  const finishReason = calls.length > 0 ? "tool_calls" : "stop";
  const usage = {
    prompt_tokens: context.usage.inputTokens,
    completion_tokens: context.usage.outputTokens,
    total_tokens: context.usage.inputTokens + context.usage.outputTokens,
  };
  frames.push(frame({ delta: {}, finish_reason: finishReason }));
  frames.push(frame(null, { usage }));
  frames.push(sse("[DONE]"));
  const json = {
    id,
    object: "chat.completion",
    created,
    model: context.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: reply.text ?? null,
          ...(calls.length === 0
            ? {}
            : {
                tool_calls: calls.map((call, index) => ({
                  id: toolCallId("openai", context, index, call),
                  type: "function",
                  function: { name: call.name, arguments: argumentsOf(call) },
                })),
              }),
        },
        finish_reason: finishReason,
      },
    ],
    usage,
  };
  return { frames, textEnd, json };
}

/** Anthropic `/v1/messages`: `message_start`, text and `tool_use` content blocks with `input_json_delta`, `message_delta`, `message_stop`. */
export function renderAnthropic(reply: ScriptedReply, context: ReplyContext): RenderedReply {
  const size = reply.chunkSize ?? 8;
  const id = `msg_${context.requestIndex}`;
  const calls = reply.toolCalls ?? [];
  const stopReason = calls.length > 0 ? "tool_use" : "end_turn";
  const frames = [
    sse(
      {
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          content: [],
          model: context.model,
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: context.usage.inputTokens, output_tokens: 1 },
        },
      },
      "message_start",
    ),
  ];
  let blockIndex = 0;
  const text = reply.text ?? "";
  if (text !== "") {
    frames.push(sse({ type: "content_block_start", index: blockIndex, content_block: { type: "text", text: "" } }, "content_block_start"));
    for (const piece of chunks(text, size)) {
      frames.push(sse({ type: "content_block_delta", index: blockIndex, delta: { type: "text_delta", text: piece } }, "content_block_delta"));
    }
  }
  const textEnd = frames.length;
  if (text !== "") {
    frames.push(sse({ type: "content_block_stop", index: blockIndex }, "content_block_stop"));
    blockIndex += 1;
  }
  calls.forEach((call, index) => {
    frames.push(
      sse(
        {
          type: "content_block_start",
          index: blockIndex,
          content_block: { type: "tool_use", id: toolCallId("anthropic", context, index, call), name: call.name, input: {} },
        },
        "content_block_start",
      ),
    );
    for (const piece of chunks(argumentsOf(call), size)) {
      frames.push(sse({ type: "content_block_delta", index: blockIndex, delta: { type: "input_json_delta", partial_json: piece } }, "content_block_delta"));
    }
    frames.push(sse({ type: "content_block_stop", index: blockIndex }, "content_block_stop"));
    blockIndex += 1;
  });
  frames.push(
    sse(
      { type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: context.usage.outputTokens } },
      "message_delta",
    ),
  );
  frames.push(sse({ type: "message_stop" }, "message_stop"));
  const content: unknown[] = [];
  if (text !== "") content.push({ type: "text", text });
  calls.forEach((call, index) => {
    let input: unknown;
    try {
      input = JSON.parse(argumentsOf(call));
    } catch {
      input = argumentsOf(call);
    }
    content.push({ type: "tool_use", id: toolCallId("anthropic", context, index, call), name: call.name, input });
  });
  const json = {
    id,
    type: "message",
    role: "assistant",
    content,
    model: context.model,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: context.usage.inputTokens, output_tokens: context.usage.outputTokens },
  };
  return { frames, textEnd, json };
}

/** The provider's own error body for an HTTP error. */
export function errorBody(format: WireFormat, status: number, message: string): unknown {
  if (format === "anthropic") {
    const type = status === 429 ? "rate_limit_error" : status === 401 ? "authentication_error" : status >= 500 ? "api_error" : "invalid_request_error";
    return { type: "error", error: { type, message } };
  }
  const type = status === 429 ? "rate_limit_exceeded" : status === 401 ? "invalid_api_key" : status >= 500 ? "server_error" : "invalid_request_error";
  return { error: { message, type, param: null, code: type } };
}
