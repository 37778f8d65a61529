import type { AgentEvent } from "@monoclaw/core";
import type { AgentEventRenderer } from "./terminal-renderer.js";
import type { TerminalOutput } from "./terminal-style.js";

/**
 * `--json`: every agent event as one line of JSON on stdout, in the order
 * the agent emitted it, written as it happens (nothing is batched). The
 * `turn-end` line carries the final answer (`text`) and the messages the
 * turn added. Nothing else is ever written to stdout in this mode.
 */
export function createJsonRenderer(stdout: TerminalOutput): AgentEventRenderer {
  return {
    render(event: AgentEvent) {
      try {
        stdout.write(`${JSON.stringify(event)}\n`);
      } catch {
        // A closed pipe must not break the agent loop.
      }
    },
    pause() {},
  };
}
