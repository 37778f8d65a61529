import type { ModelMessage } from "ai";

/** When and how much of the conversation is summarised. */
export interface CompactionOptions {
  /** Compact when the estimated prompt exceeds this share of the context window (default 0.8). */
  threshold?: number;
  /** Share of the context window kept verbatim as recent messages (default 0.25). */
  keepRecent?: number;
}

export const DEFAULT_COMPACTION: Required<CompactionOptions> = { threshold: 0.8, keepRecent: 0.25 };

/** Rough token count: 4 characters per token, the usual rule of thumb. Images count by their base64 size / 4 too. */
export function estimateTokens(messages: readonly ModelMessage[]): number {
  let chars = 0;
  for (const message of messages) chars += JSON.stringify(message, binaryAsLength).length;
  return Math.ceil(chars / 4);
}

function binaryAsLength(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? "x".repeat(Math.ceil((value.length * 4) / 3)) : value;
}

/**
 * Splits the conversation into the older part to summarise and the recent
 * part to keep verbatim (about `keepTokens`). The kept part starts at a user
 * or assistant message, so no tool result is separated from its call.
 * Returns undefined when nothing older can be summarised.
 */
export function splitForCompaction(messages: readonly ModelMessage[], keepTokens: number): { older: ModelMessage[]; kept: ModelMessage[] } | undefined {
  let kept = 0;
  let split = messages.length;
  for (let i = messages.length - 1; i > 0; i -= 1) {
    kept += estimateTokens([messages[i]!]);
    if (messages[i]!.role !== "tool") split = i;
    if (kept >= keepTokens && split <= i) break;
  }
  // Keep at least the last exchange; never summarise nothing.
  if (split <= 0 || split >= messages.length) return undefined;
  return { older: messages.slice(0, split), kept: messages.slice(split) };
}

const PART_LIMIT = 2000;

function clip(text: string): string {
  return text.length <= PART_LIMIT ? text : `${text.slice(0, PART_LIMIT / 2)}\n[...]\n${text.slice(-PART_LIMIT / 2)}`;
}

/** The older messages as a plain transcript for the summariser (long tool output clipped). */
export function transcriptOf(messages: readonly ModelMessage[]): string {
  const lines: string[] = [];
  for (const message of messages) {
    const parts = typeof message.content === "string" ? [{ type: "text", text: message.content }] : (message.content as Array<Record<string, unknown>>);
    for (const part of parts) {
      if (part.type === "text") lines.push(`${message.role.toUpperCase()}: ${clip(String(part.text))}`);
      else if (part.type === "tool-call") lines.push(`ASSISTANT called ${String(part.toolName)}(${clip(JSON.stringify(part.input))})`);
      else if (part.type === "tool-result") {
        const output = part.output as { type: string; value: unknown };
        const value = typeof output.value === "string" ? output.value : JSON.stringify(output.value, binaryAsLength);
        lines.push(`RESULT of ${String(part.toolName)}: ${clip(value)}`);
      } else if (part.type === "image" || part.type === "file") lines.push(`${message.role.toUpperCase()}: [image]`);
    }
  }
  return lines.join("\n");
}

export const SUMMARY_SYSTEM_PROMPT =
  "You compress the earlier part of a conversation between a user and Mona, an AI assistant that runs shell commands and edits files. " +
  "Write a summary that lets Mona continue the work without the original messages: the user's goals and instructions, decisions made, " +
  "files created or changed (paths), commands run and their important results, errors met, and what remains to do. Be concise but keep " +
  "exact paths, names, versions and numbers. Write only the summary.";

/** The conversation after compaction: the summary as a user message, then the kept messages. */
export function compactedConversation(summary: string, kept: readonly ModelMessage[]): ModelMessage[] {
  return [{ role: "user", content: `[Summary of the earlier conversation, which was too long to keep in full]\n${summary}` }, ...kept];
}
