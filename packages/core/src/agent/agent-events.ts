import type { ModelMessage } from "ai";

/**
 * What an agent turn emits, in order, for any front end (terminal, Slack,
 * JSON lines) to render. The stream never throws: a model or tool failure is
 * an `error` event followed by `turn-end`, so a renderer never has to guess
 * what an exception meant.
 *
 * Order within a turn: `turn-start`, then any mix of `text-delta`,
 * `tool-start` / `tool-output`* / `tool-end`, `usage`, `retry`, `compaction`,
 * `error`, and always exactly one `turn-end` last.
 */
export type AgentEvent =
  | TurnStartEvent
  | TextDeltaEvent
  | ToolStartEvent
  | ToolOutputEvent
  | ToolEndEvent
  | UsageEvent
  | RetryEvent
  | CompactionEvent
  | AgentErrorEvent
  | TurnEndEvent;

export interface TurnStartEvent {
  type: "turn-start";
  turnId: string;
}

/** A piece of the model's visible answer, as it streams. */
export interface TextDeltaEvent {
  type: "text-delta";
  text: string;
}

/** A tool call the model made is about to run. `title` is a one-line summary (the command, the path). */
export interface ToolStartEvent {
  type: "tool-start";
  toolCallId: string;
  toolName: string;
  input: unknown;
  title: string;
}

/** Live output of a running tool (bash stdout/stderr), already redacted. */
export interface ToolOutputEvent {
  type: "tool-output";
  toolCallId: string;
  stream: "stdout" | "stderr";
  text: string;
}

/**
 * A tool call finished. `output` is exactly what the model receives (capped
 * and redacted). `exitCode` is set for commands.
 */
export interface ToolEndEvent {
  type: "tool-end";
  toolCallId: string;
  toolName: string;
  isError: boolean;
  output: string;
  durationMs: number;
  exitCode?: number;
  timedOut?: boolean;
  aborted?: boolean;
  /** Bytes of the tool's output that `output` already leaves out (front ends that shorten it further add theirs). */
  omittedBytes?: number;
}

/** Token usage of one model call. */
export interface UsageEvent {
  type: "usage";
  inputTokens: number;
  outputTokens: number;
}

/** A model call failed with a retryable error (429, 5xx, network) and will be retried after `delayMs`. */
export interface RetryEvent {
  type: "retry";
  attempt: number;
  delayMs: number;
  reason: string;
}

/** Older turns were summarised to keep the conversation within the model's context window. */
export interface CompactionEvent {
  type: "compaction";
  summarizedMessages: number;
  /** The summary that replaced them (set by `runAgentTurn`). */
  summary?: string;
  /**
   * The whole conversation from now on (summary first), replacing every
   * message before it, this turn's included (set by `runAgentTurn`). A
   * session file stores it as a snapshot: resuming starts from the last
   * snapshot plus the prompts and `turn-end.messages` recorded after it.
   */
  messages?: ModelMessage[];
}

/** Something went wrong that ends the turn (model unreachable, retries exhausted) or that the user must know. */
export interface AgentErrorEvent {
  type: "error";
  message: string;
  /** `model`: the model call failed; `aborted`: the user aborted; `internal`: a bug. */
  kind: "model" | "aborted" | "internal";
}

/**
 * Always the last event of a turn. `messages` are the messages this turn added
 * to the conversation (user prompt excluded), ready to append and to store;
 * when the turn compacted the conversation, only those added after the last
 * `compaction` event (whose `messages` already hold the earlier ones).
 */
export interface TurnEndEvent {
  type: "turn-end";
  reason: "stop" | "max-steps" | "aborted" | "error";
  /** The final answer text of the turn (may be empty). */
  text: string;
  messages: ModelMessage[];
  /**
   * The whole conversation to continue with (set by `runAgentTurn`): the
   * history given, the prompt and `messages`, or the compacted equivalent.
   */
  conversation?: ModelMessage[];
}
