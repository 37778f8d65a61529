import type { ModelMessage } from "ai";
import { describe, expect, it } from "vitest";
import { compactedConversation, estimateTokens, splitForCompaction, transcriptOf } from "./compaction.js";

const user = (text: string): ModelMessage => ({ role: "user", content: text });
const call = (id: string): ModelMessage => ({
  role: "assistant",
  content: [{ type: "tool-call", toolCallId: id, toolName: "bash", input: { command: "ls" } }],
});
const result = (id: string, text: string): ModelMessage => ({
  role: "tool",
  content: [{ type: "tool-result", toolCallId: id, toolName: "bash", output: { type: "text", value: text } }],
});

describe("compaction helpers", () => {
  it("never splits a tool result from its call", () => {
    const messages = [user("a".repeat(4000)), call("1"), result("1", "b".repeat(4000)), call("2"), result("2", "c".repeat(400))];
    const split = splitForCompaction(messages, 50)!;
    expect(split.kept[0]!.role).toBe("assistant");
    expect(split.older.length + split.kept.length).toBe(messages.length);
    expect(split.kept).toEqual([call("2"), result("2", "c".repeat(400))]);
  });

  it("returns nothing when there is nothing older to summarise", () => {
    expect(splitForCompaction([user("only")], 10)).toBeUndefined();
  });

  it("writes a transcript with clipped tool output, and puts the summary first", () => {
    const transcript = transcriptOf([user("list files"), call("1"), result("1", "x".repeat(10_000))]);
    expect(transcript).toContain("USER: list files");
    expect(transcript).toContain('ASSISTANT called bash({"command":"ls"})');
    expect(transcript).toContain("[...]");
    expect(transcript.length).toBeLessThan(3000);
    const compacted = compactedConversation("the gist", [call("2")]);
    expect(compacted[0]).toEqual({ role: "user", content: "[Summary of the earlier conversation, which was too long to keep in full]\nthe gist" });
    expect(estimateTokens([user("x".repeat(400))])).toBeGreaterThanOrEqual(100);
  });
});
