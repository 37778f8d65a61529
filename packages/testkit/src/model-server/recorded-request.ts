/** Which wire format a request used. */
export type WireFormat = "openai" | "anthropic";

/** A tool result the model received, in a shape common to both wire formats. */
export interface ReceivedToolResult {
  toolCallId: string;
  /** The result as text (Anthropic text blocks joined with newlines). */
  content: string;
  /** Anthropic's `is_error`; always false for OpenAI (which has no such flag). */
  isError: boolean;
  /** Media types of images sent inside the result (Anthropic only). */
  images: string[];
}

/** One request the server received, as the model would have seen it. */
export interface RecordedRequest {
  /** 0-based order of arrival. */
  index: number;
  format: WireFormat;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** Tool names offered to the model. */
  toolNames: string[];
  /** The system prompt (OpenAI: the `system` messages joined). */
  system: string;
  /** Every tool result in the conversation sent, oldest first. */
  toolResults: ReceivedToolResult[];
  /** Text of the last user message (tool results excluded). */
  lastUserText: string;
  /** Milliseconds the server spent answering (including scripted delays), set when the answer ended. */
  serverMs?: number;
}

type Json = Record<string, unknown>;

function asArray(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  return asArray(content)
    .filter((part) => part.type === "text" && typeof part.text === "string")
    .map((part) => part.text as string)
    .join("\n");
}

/** Reads the fields tests assert on out of a request body. */
export function describeRequest(format: WireFormat, body: Json): Pick<RecordedRequest, "toolNames" | "system" | "toolResults" | "lastUserText"> {
  const messages = asArray(body.messages);
  const toolResults: ReceivedToolResult[] = [];
  let lastUserText = "";
  let system = "";
  if (format === "openai") {
    for (const message of messages) {
      if (message.role === "tool") {
        toolResults.push({ toolCallId: String(message.tool_call_id), content: textOf(message.content), isError: false, images: [] });
      } else if (message.role === "user") {
        lastUserText = textOf(message.content);
      } else if (message.role === "system") {
        system = system === "" ? textOf(message.content) : `${system}\n${textOf(message.content)}`;
      }
    }
    const toolNames = asArray(body.tools).map((t) => String((t.function as Json | undefined)?.name));
    return { toolNames, system, toolResults, lastUserText };
  }
  system = textOf(body.system);
  for (const message of messages) {
    if (message.role !== "user") continue;
    const parts = typeof message.content === "string" ? [{ type: "text", text: message.content }] : asArray(message.content);
    const texts: string[] = [];
    for (const part of parts) {
      if (part.type === "tool_result") {
        const inner = typeof part.content === "string" ? [{ type: "text", text: part.content }] : asArray(part.content);
        toolResults.push({
          toolCallId: String(part.tool_use_id),
          content: textOf(inner),
          isError: part.is_error === true,
          images: inner.filter((p) => p.type === "image").map((p) => String((p.source as Json | undefined)?.media_type)),
        });
      } else if (part.type === "text") {
        texts.push(String(part.text));
      }
    }
    if (texts.length > 0) lastUserText = texts.join("\n");
  }
  const toolNames = asArray(body.tools).map((t) => String(t.name));
  return { toolNames, system, toolResults, lastUserText };
}
