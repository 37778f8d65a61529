import type { AgentEvent, TurnEndEvent } from "@monoclaw/core";
import type { AgentRuntime, AskApproval } from "./agent-runtime.js";
import type { ConversationMessage, SessionWriter } from "./session-store.js";
import type { AgentEventRenderer } from "./terminal-renderer.js";

export interface DriveTurnOptions {
  runtime: AgentRuntime;
  prompt: string;
  messages: ConversationMessage[];
  renderer: AgentEventRenderer;
  session: SessionWriter;
  signal: AbortSignal;
  ask?: AskApproval;
}

export interface TurnOutcome {
  end: TurnEndEvent;
  /** The conversation to continue with: the agent's (compacted when it compacted), else input + prompt + additions. */
  messages: ConversationMessage[];
  /** A model failure or an internal error happened (an abort by the user is not a failure). */
  failed: boolean;
}

/**
 * Runs one turn: stores the prompt, then stores and renders each event as it
 * arrives (stored first, so whatever was shown is already on disk), then
 * stores the messages the turn added. Never throws: should the agent's
 * stream break its contract and throw, that becomes an `internal` error event
 * and a `turn-end` like any other failure.
 */
export async function driveTurn(options: DriveTurnOptions): Promise<TurnOutcome> {
  const { runtime, prompt, messages, renderer, session, signal, ask } = options;
  const userMessage: ConversationMessage = { role: "user", content: prompt };
  session.recordMessage(userMessage);
  const emit = (event: AgentEvent) => {
    session.recordEvent(event);
    renderer.render(event);
  };
  let end: TurnEndEvent | undefined;
  let failed = false;
  try {
    for await (const event of runtime.runTurn({ prompt, messages, signal, ...(ask === undefined ? {} : { ask }) })) {
      emit(event);
      if (event.type === "error" && event.kind !== "aborted") failed = true;
      if (event.type === "turn-end") end = event;
    }
  } catch (error) {
    failed = true;
    emit({ type: "error", kind: "internal", message: error instanceof Error ? error.message : String(error) });
  }
  if (end === undefined) {
    failed = true;
    end = { type: "turn-end", reason: signal.aborted ? "aborted" : "error", text: "", messages: [] };
    emit(end);
  }
  for (const message of end.messages) session.recordMessage(message);
  const conversation = end.conversation ?? [...messages, userMessage, ...end.messages];
  return { end, messages: conversation, failed: failed || end.reason === "error" };
}
