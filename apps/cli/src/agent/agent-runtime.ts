import type { AgentEvent } from "@monoclaw/core";
import type { ApprovalQuestion } from "./approval-prompt.js";
import type { ConversationMessage } from "./session-store.js";

/** How a front end answers an approval question: true runs the command. */
export type AskApproval = (question: ApprovalQuestion) => Promise<boolean>;

export interface TurnInput {
  prompt: string;
  /** The conversation so far (without `prompt`). */
  messages: ConversationMessage[];
  signal: AbortSignal;
  /**
   * Asks the person whether a command that needs approval may run; absent
   * when nobody can be asked (no TTY), in which case such a command is
   * refused and the model is told why.
   */
  ask?: AskApproval;
}

/**
 * The agent wired to a model and a backend for one CLI process: what the
 * interactive session and `monoclaw run` drive, turn after turn.
 *
 * Rules: `runTurn` never throws (failures are `error` events followed by
 * `turn-end`, as in the agent's own contract); aborting `signal` ends the turn
 * and the running command; `setModel` validates the new model before any turn
 * uses it and throws a message naming the setting to fix; `dispose` ends
 * every process the backend started and is idempotent.
 */
export interface AgentRuntime {
  /** `provider/model-id` in use. */
  readonly model: string;
  /** Backend name (`host`, `docker`). */
  readonly backend: string;
  /** One line for the session banner: where commands run. */
  readonly where: string;
  setModel(model: string): Promise<void>;
  /**
   * `/new`: the agent and its backend start afresh for another session (a
   * backend scoped per session gets a container of its own, from the warm
   * pool this process holds when there is one); the model stays.
   */
  newSession(session: { id: string; resumed: boolean }): Promise<void>;
  runTurn(input: TurnInput): AsyncIterable<AgentEvent>;
  dispose(): Promise<void>;
}
