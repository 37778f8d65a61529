import type { ModelMessage, UserContent } from "ai";
import type { ShellSession } from "../backend/execution-backend.js";
import { createToolOutputStore } from "../tools/tool-output-store.js";
import type { AgentEvent } from "./agent-events.js";
import type { AgentModel } from "./agent-model.js";
import { runAgentTurn, type AgentTurnOptions } from "./agent-turn.js";

/** Everything an agent keeps across turns; see {@link AgentTurnOptions} for each field. */
export type AgentOptions = Omit<AgentTurnOptions, "prompt" | "messages" | "signal" | "session" | "outputStore" | "turnId"> & {
  /** The conversation to start from (a resumed session). */
  messages?: ModelMessage[];
};

/**
 * A conversation with one backend: a front end's handle on the agent. It
 * keeps the conversation, one shell session (so `cd` and `export` carry
 * over between turns) and the full-output files `read` can page through.
 *
 * - One turn at a time: `run` throws if a turn is still running.
 * - The conversation is updated when a turn ends (compaction included),
 *   also after an abort or an error, with what the turn added.
 * - `dispose` closes the shell session (ending its processes) and deletes
 *   the output files; it does not dispose the backend, which the caller owns.
 */
export interface Agent {
  run(prompt: string | UserContent, options?: { signal?: AbortSignal; turnId?: string }): AsyncIterable<AgentEvent>;
  readonly messages: readonly ModelMessage[];
  /** Replaces the conversation (`/new` passes `[]`; resuming passes the stored one). */
  setMessages(messages: ModelMessage[]): void;
  /** Switches the model for the next turns (`/model`). */
  setModel(model: AgentModel): void;
  readonly running: boolean;
  dispose(): Promise<void>;
}

export function createAgent(options: AgentOptions): Agent {
  let messages: ModelMessage[] = [...(options.messages ?? [])];
  let model = options.model;
  let running = false;
  let session: Promise<ShellSession> | undefined;
  const outputStore = createToolOutputStore();
  const openSession = (): Promise<ShellSession> => {
    session ??= options.backend.openSession().catch((error: unknown) => {
      session = undefined;
      throw error;
    });
    return session;
  };

  return {
    get messages() {
      return messages;
    },
    get running() {
      return running;
    },
    setMessages(next) {
      messages = [...next];
    },
    setModel(next) {
      model = next;
    },
    run(prompt, runOptions = {}) {
      if (running) throw new Error("A turn is already running on this agent; wait for its turn-end or abort it first.");
      running = true;
      const events = runAgentTurn({
        ...options,
        model,
        messages,
        prompt,
        session: openSession,
        outputStore,
        ...(runOptions.signal === undefined ? {} : { signal: runOptions.signal }),
        ...(runOptions.turnId === undefined ? {} : { turnId: runOptions.turnId }),
      });
      return (async function* () {
        try {
          for await (const event of events) {
            if (event.type === "turn-end" && event.conversation !== undefined) messages = [...event.conversation];
            yield event;
          }
        } finally {
          running = false;
        }
      })();
    },
    async dispose() {
      const open = session;
      session = undefined;
      if (open !== undefined) await open.then((s) => s.close()).catch(() => undefined);
      outputStore.dispose();
    },
  };
}
