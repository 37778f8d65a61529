import type { ModelMessage } from "ai";
import { step } from "@monoclaw/testkit";
import { describe, expect, it } from "vitest";
import { runAgentTurn } from "./agent-turn.js";
import { collect, ofType, scriptedModel, turnEnd, useServerAndWorkspace } from "./agent.test-helpers.js";
import { SUMMARY_SYSTEM_PROMPT } from "./compaction.js";

const ctx = useServerAndWorkspace();

/** An earlier conversation of `turns` exchanges, each about `chars` characters long. */
function history(turns: number, chars: number): ModelMessage[] {
  const messages: ModelMessage[] = [];
  for (let i = 0; i < turns; i += 1) {
    messages.push({ role: "user", content: `question ${i}: ${"q".repeat(chars)}` });
    messages.push({ role: "assistant", content: `answer ${i}: ${"a".repeat(chars)}` });
  }
  return messages;
}

describe("compaction", () => {
  it("summarises older turns with the model before the call when the conversation nears the context window", async () => {
    ctx.server.enqueue(step.text("SUMMARY: the user asked six questions about q and got answers about a."), step.text("fresh answer"));
    const events = await collect(
      runAgentTurn({
        model: scriptedModel("anthropic", ctx.server, { contextWindow: 4000 }),
        backend: ctx.workspace.backend,
        prompt: "next question",
        messages: history(6, 2000),
      }),
    );
    const [compaction] = ofType(events, "compaction");
    expect(compaction).toBeDefined();
    expect(compaction!.summarizedMessages).toBeGreaterThanOrEqual(8);
    expect(compaction!.summary).toBe("SUMMARY: the user asked six questions about q and got answers about a.");
    // The summariser got a transcript, no tools and its own instructions.
    expect(ctx.server.requests[0]).toMatchObject({ system: SUMMARY_SYSTEM_PROMPT, toolNames: [] });
    expect(ctx.server.requests[0]!.lastUserText).toContain("USER: question 0:");
    // The next call carried the summary instead of the older messages.
    const messages = ctx.server.requests[1]!.body.messages as Array<{ content: unknown }>;
    expect(JSON.stringify(messages[0])).toContain("SUMMARY: the user asked six questions");
    expect(JSON.stringify(messages)).not.toContain("question 0:");
    expect(JSON.stringify(messages)).toContain("next question");
    const end = turnEnd(events);
    expect(end).toMatchObject({ reason: "stop", text: "fresh answer" });
    expect(end.messages).toEqual([{ role: "assistant", content: [{ type: "text", text: "fresh answer" }] }]);
    expect(end.conversation).toEqual([...compaction!.messages!, ...end.messages]);
  });

  it("compacts in the middle of a turn after a large tool result, keeping the call with its result", async () => {
    ctx.server.enqueue(
      step.toolCall("bash", { command: "head -c 12000 /dev/zero | tr '\\0' x; echo" }),
      step.text("SUMMARY: user asked for x's."),
      step.text("done"),
    );
    const events = await collect(
      runAgentTurn({ model: scriptedModel("openai", ctx.server, { contextWindow: 3000 }), backend: ctx.workspace.backend, prompt: "print x's" }),
    );
    expect(ofType(events, "compaction")).toHaveLength(1);
    expect(events.map((e) => e.type).indexOf("compaction")).toBeGreaterThan(events.map((e) => e.type).indexOf("tool-end"));
    const third = ctx.server.requests[2]!;
    expect(third.toolResults).toHaveLength(1);
    expect(third.toolResults[0]!.content).toContain("xxxx");
    expect(turnEnd(events)).toMatchObject({ reason: "stop", text: "done" });
  });

  it("goes on with the full conversation when the summary call fails", async () => {
    ctx.server.enqueue(step.error(400, { message: "bad summary request" }), step.text("still answered"));
    const events = await collect(
      runAgentTurn({
        model: scriptedModel("openai", ctx.server, { contextWindow: 4000 }),
        backend: ctx.workspace.backend,
        prompt: "go",
        messages: history(6, 2000),
      }),
    );
    expect(ofType(events, "compaction")).toHaveLength(0);
    expect(ofType(events, "error")[0]!.message).toContain("Could not summarise older messages");
    expect(turnEnd(events)).toMatchObject({ reason: "stop", text: "still answered" });
  });
});
