import type { AgentEvent } from "@monoclaw/core";
import type { Place } from "../slack/slack-output.js";

/** One run of the agent for a channel, as the Slack side asks for it. */
export interface RunRequest {
  channelId: string;
  /** The text the model receives as the user's turn (already formatted with names and attachments). */
  prompt: string;
  /** Where the run answers; `attach` uploads go here. */
  place: Place;
  /** Aborted by `@mom stop` or shutdown: the running command ends (in the container too). */
  signal: AbortSignal;
  /** Uploads a file to `place` (the `attach` tool); false when Slack refused (already logged). */
  upload(filename: string, bytes: Uint8Array, title?: string): Promise<boolean>;
}

/**
 * Runs the agent for one request and yields its events. Like core's agent
 * stream it never throws: failures arrive as `error` events, and the last
 * event is always `turn-end`.
 */
export type RunAgent = (request: RunRequest) => AsyncIterable<AgentEvent>;
