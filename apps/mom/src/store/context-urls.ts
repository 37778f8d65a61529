import type { ModelMessage } from "ai";

/** What replaces a part given by URL in a loaded context. */
export const URL_PART_NOTE = "[an image or file given by URL in context.jsonl was left out: mom does not fetch URLs written in her data directory]";

/**
 * The messages of a context.jsonl (which the sandbox can write) without any
 * part the AI SDK or a provider would fetch: an `image` or `file` part whose
 * data is a URL (or anything but an inline string), and `image-url` /
 * `file-url` parts of tool results. Each becomes a text note. Inline data
 * (base64, `data:` URLs), the only kind mom stores, is kept as it is.
 */
export function withoutFetchableUrls(messages: readonly ModelMessage[]): ModelMessage[] {
  return messages.map((message) => {
    if (!isObject(message) || !Array.isArray(message.content)) return message;
    return { ...message, content: message.content.map(inertPart) } as ModelMessage;
  });
}

function inertPart(part: unknown): unknown {
  if (!isObject(part)) return part;
  if (part.type === "image" || part.type === "file") {
    return isInline(part.type === "image" ? part.image : part.data) ? part : { type: "text", text: URL_PART_NOTE };
  }
  const output = part.output;
  if (part.type === "tool-result" && isObject(output) && Array.isArray(output.value)) {
    const value = output.value.map((item: unknown) =>
      isObject(item) && (item.type === "image-url" || item.type === "file-url" || ("url" in item && item.type !== "text"))
        ? { type: "text", text: URL_PART_NOTE }
        : item,
    );
    return { ...part, output: { ...output, value } };
  }
  return part;
}

/** A string the AI SDK takes as data, not as an address: not parsable as a URL, or a data: URL. */
function isInline(data: unknown): boolean {
  if (typeof data !== "string") return false;
  return !URL.canParse(data) || new URL(data).protocol === "data:";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
