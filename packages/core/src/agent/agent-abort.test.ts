import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { step } from "@monoclaw/testkit";
import { describe, expect, it } from "vitest";
import type { AgentEvent } from "./agent-events.js";
import { runAgentTurn, type AgentTurnOptions } from "./agent-turn.js";
import { isAlive, ofType, scriptedModel, turnEnd, useServerAndWorkspace } from "./agent.test-helpers.js";

const ctx = useServerAndWorkspace();

/** Collects events, calling `onEvent` on each (to abort at the right moment). */
async function collectWith(events: AsyncIterable<AgentEvent>, onEvent: (event: AgentEvent) => void): Promise<AgentEvent[]> {
  const all: AgentEvent[] = [];
  for await (const event of events) {
    all.push(event);
    onEvent(event);
  }
  return all;
}

/** Runs a turn with `options`, aborting it as soon as `when` holds for an event; returns every event. */
async function turnAbortedWhen(options: Omit<AgentTurnOptions, "signal">, when: (event: AgentEvent) => boolean): Promise<AgentEvent[]> {
  const controller = new AbortController();
  return collectWith(runAgentTurn({ ...options, signal: controller.signal }), (event) => {
    if (when(event)) controller.abort();
  });
}

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("aborting a turn", () => {
  it("mid-command ends the command and every process it started, and ends the turn as aborted", async () => {
    ctx.server.enqueue(
      step.toolCall("bash", { command: "sleep 300 & echo $! > child.pid; echo $$ > shell.pid; echo started; sleep 300" }),
      step.text("never sent"),
    );
    const events = await turnAbortedWhen(
      { model: scriptedModel("openai", ctx.server), backend: ctx.workspace.backend, prompt: "wait" },
      (event) => event.type === "tool-output" && event.text.includes("started"),
    );
    const end = turnEnd(events);
    expect(end.reason).toBe("aborted");
    expect(ofType(events, "error")).toEqual([{ type: "error", kind: "aborted", message: "Aborted by the user." }]);
    expect(ofType(events, "tool-end")[0]).toMatchObject({ aborted: true, exitCode: 130, isError: true });
    // The model is not called again, and the conversation stays valid: the call has its result.
    expect(ctx.server.requests).toHaveLength(1);
    expect(end.messages.map((m) => m.role)).toEqual(["assistant", "tool"]);
    const child = Number(await readFile(join(ctx.workspace.dir, "child.pid"), "utf8"));
    await waitUntil(() => !isAlive(child), `background sleep ${child} to end`);
    expect(isAlive(child)).toBe(false);
  });

  it("while the model is thinking (request hanging) ends the turn promptly", async () => {
    ctx.server.enqueue(step.hang());
    const controller = new AbortController();
    const turn = runAgentTurn({ model: scriptedModel("anthropic", ctx.server), backend: ctx.workspace.backend, prompt: "think", signal: controller.signal });
    const collecting = collectWith(turn, () => undefined);
    await ctx.server.waitForRequests(1);
    controller.abort();
    const events = await collecting;
    expect(turnEnd(events)).toMatchObject({ reason: "aborted", messages: [] });
  });

  it("mid-answer keeps the text already shown in the conversation", async () => {
    ctx.server.enqueue({ text: "Partial answer so far", hangAfterText: true });
    const events = await turnAbortedWhen(
      { model: scriptedModel("openai", ctx.server), backend: ctx.workspace.backend, prompt: "talk" },
      (event) => event.type === "text-delta" && event.text.includes("far"),
    );
    const end = turnEnd(events);
    expect(end).toMatchObject({ reason: "aborted", text: "Partial answer so far" });
    expect(end.messages).toEqual([{ role: "assistant", content: "Partial answer so far" }]);
  });

  it("during a retry wait ends at once instead of sleeping out the retry-after", async () => {
    ctx.server.enqueue(step.error(429, { headers: { "retry-after": "600" } }));
    const started = Date.now();
    const events = await turnAbortedWhen(
      { model: scriptedModel("openai", ctx.server), backend: ctx.workspace.backend, prompt: "hi", retry: { maxDelayMs: 600_000 } },
      (event) => event.type === "retry",
    );
    expect(ofType(events, "retry")[0]).toMatchObject({ delayMs: 600_000 });
    expect(turnEnd(events).reason).toBe("aborted");
    // The retry-after was 600 s: "at once" means well within the test timeout, not merely before it.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("when the consumer stops iterating, the running command is ended too", async () => {
    ctx.server.enqueue(step.toolCall("bash", { command: "echo $$ > shell.pid; sleep 300 & echo $! > child.pid; echo started; wait" }));
    for await (const event of runAgentTurn({ model: scriptedModel("openai", ctx.server), backend: ctx.workspace.backend, prompt: "wait" })) {
      if (event.type === "tool-output" && event.text.includes("started")) break;
    }
    const child = Number(await readFile(join(ctx.workspace.dir, "child.pid"), "utf8"));
    await waitUntil(() => !isAlive(child), `background sleep ${child} to end`);
    expect(isAlive(child)).toBe(false);
  });
});
