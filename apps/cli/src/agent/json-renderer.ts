import type { AgentEvent } from "@monoclaw/core";
import type { AgentEventRenderer } from "./terminal-renderer.js";
import type { TerminalOutput } from "./terminal-style.js";

/** The first line of `--json` output: which session the run is stored in, so a script can `--resume` it. */
export interface SessionLine {
  type: "session";
  sessionId: string;
  /** True when the run continues an earlier session (`--continue`, `--resume`). */
  resumed: boolean;
  model: string;
  backend: string;
}

/** Writes the {@link SessionLine} that starts `--json` output. */
export function writeSessionLine(stdout: TerminalOutput, line: Omit<SessionLine, "type">): void {
  stdout.write(`${JSON.stringify({ type: "session", ...line } satisfies SessionLine)}\n`);
}

/**
 * `--json`: every agent event as one line of JSON on stdout, in the order
 * the agent emitted it, written as it happens (nothing is batched). The
 * `turn-end` line carries the final answer (`text`) and the messages the
 * turn added (not the whole `conversation`), and a `compaction` line its
 * summary (not the replaced conversation). Nothing else is ever written to
 * stdout in this mode.
 */
export function createJsonRenderer(stdout: TerminalOutput): AgentEventRenderer {
  return {
    render(event: AgentEvent) {
      try {
        stdout.write(`${JSON.stringify(forScripts(event))}\n`);
      } catch {
        // A closed pipe must not break the agent loop.
      }
    },
    pause() {},
  };
}

/** Drops the conversation snapshots the agent attaches for its front ends' own state. */
function forScripts(event: AgentEvent): AgentEvent {
  if (event.type === "turn-end") {
    const { conversation: _conversation, ...rest } = event;
    return rest;
  }
  if (event.type === "compaction") {
    const { messages: _messages, ...rest } = event;
    return rest;
  }
  return event;
}
