import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import type { AgentCommandOptions } from "../agent/prepare-agent.js";
import { addAgentOptions } from "./run-options.js";

/** The options `run` takes (see registerRunCommand). */
export interface RunOptions extends AgentCommandOptions {
  json?: boolean;
}

/**
 * `monoclaw run "<prompt>"`: one turn, then exit. Exit codes: 0 the turn
 * finished, 1 the model failed (or the turn hit the step limit), 2 a usage or
 * config error (reported before any work), 130 after Ctrl-C (143 SIGTERM,
 * 129 SIGHUP), once the running command and everything it started has ended.
 */
export function registerRunCommand(program: Command, context: CliContext, stdin: NodeJS.ReadStream = process.stdin): void {
  const command = program
    .command("run")
    .description("give Mona one task, print her answer and exit (the prompt is read from stdin when not given)")
    .argument("[prompt...]", 'the task, e.g. "why does the build fail?"')
    .option("--json", "print one JSON object per line, for scripts: the session, then every agent event");
  addAgentOptions(
    command,
    context.backendFactories.map((factory) => factory.name),
  ).action(async (words: string[], options: RunOptions) => {
    // The agent, the AI SDK and the renderers load only when run runs.
    const { runOnce } = await import("./run-once.js");
    process.exitCode = await runOnce(words, options, context, stdin);
  });
}
