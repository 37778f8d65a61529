import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentEvent } from "@monoclaw/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AgentRuntime, TurnInput } from "./agent-runtime.js";
import { driveTurn } from "./drive-turn.js";
import { createSession, type SessionWriter } from "./session-store.js";

// The turn driver's own rules, with hand-written event streams standing in for the agent
// (the real agent drives it in run.test.ts and interactive-session.test.ts).

let dir: string;
let session: SessionWriter;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "monoclaw-drive-turn-"));
  session = createSession({ directory: dir, cwd: "/", model: "m/x", backend: "host" });
});
afterEach(() => {
  session.close();
  rmSync(dir, { recursive: true, force: true });
});

function runtimeOf(events: (input: TurnInput) => AsyncIterable<AgentEvent>): AgentRuntime {
  return { model: "m/x", backend: "host", where: "host", setModel: async () => {}, newSession: async () => {}, runTurn: events, dispose: async () => {} };
}

function stored(): Array<{ type: string; event?: AgentEvent; message?: unknown }> {
  return readFileSync(session.path, "utf8")
    .trimEnd()
    .split("\n")
    .slice(1)
    .map((line) => JSON.parse(line));
}

describe("driveTurn", () => {
  it("stores each event before rendering it, then the messages the turn added", async () => {
    const order: string[] = [];
    const renderer = {
      render: (event: AgentEvent) => order.push(`render ${event.type} (stored lines: ${stored().length})`),
      pause: () => {},
    };
    const answer = { role: "assistant" as const, content: "hi" };
    const outcome = await driveTurn({
      runtime: runtimeOf(async function* () {
        yield { type: "turn-start", turnId: "t" };
        yield { type: "turn-end", reason: "stop", text: "hi", messages: [answer] };
      }),
      prompt: "hello",
      messages: [{ role: "user", content: "before" }],
      renderer,
      session,
      signal: new AbortController().signal,
    });
    expect(order).toEqual(["render turn-start (stored lines: 2)", "render turn-end (stored lines: 3)"]);
    expect(stored().map((entry) => entry.type)).toEqual(["message", "event", "event", "message"]);
    expect(outcome.failed).toBe(false);
    expect(outcome.messages).toEqual([{ role: "user", content: "before" }, { role: "user", content: "hello" }, answer]);
  });

  it("continues from the agent's conversation when the turn-end carries one (compaction)", async () => {
    const compacted = [{ role: "user" as const, content: "[Summary]" }];
    const outcome = await driveTurn({
      runtime: runtimeOf(async function* () {
        yield { type: "turn-end", reason: "stop", text: "", messages: [], conversation: compacted };
      }),
      prompt: "p",
      messages: [],
      renderer: { render: () => {}, pause: () => {} },
      session,
      signal: new AbortController().signal,
    });
    expect(outcome.messages).toEqual(compacted);
  });

  it("turns a stream that breaks its contract (throws, or ends without turn-end) into an internal error and a turn-end", async () => {
    const rendered: AgentEvent[] = [];
    const outcome = await driveTurn({
      runtime: runtimeOf(async function* () {
        yield { type: "turn-start", turnId: "t" };
        throw new Error("boom");
      }),
      prompt: "p",
      messages: [],
      renderer: { render: (event) => rendered.push(event), pause: () => {} },
      session,
      signal: new AbortController().signal,
    });
    expect(outcome.failed).toBe(true);
    expect(rendered.map((event) => event.type)).toEqual(["turn-start", "error", "turn-end"]);
    expect(rendered[1]).toEqual({ type: "error", kind: "internal", message: "boom" });
    expect(outcome.end).toEqual({ type: "turn-end", reason: "error", text: "", messages: [] });
  });

  it("counts a model error as a failure but not an abort by the user", async () => {
    const run = (events: AgentEvent[]) =>
      driveTurn({
        runtime: runtimeOf(async function* () {
          yield* events;
        }),
        prompt: "p",
        messages: [],
        renderer: { render: () => {}, pause: () => {} },
        session,
        signal: new AbortController().signal,
      });
    const aborted = await run([
      { type: "error", kind: "aborted", message: "Aborted by the user." },
      { type: "turn-end", reason: "aborted", text: "", messages: [] },
    ]);
    expect(aborted.failed).toBe(false);
    const model = await run([
      { type: "error", kind: "model", message: "429" },
      { type: "turn-end", reason: "error", text: "", messages: [] },
    ]);
    expect(model.failed).toBe(true);
  });
});
