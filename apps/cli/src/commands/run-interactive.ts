import { join } from "node:path";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { usageError } from "../cli-error.js";
import type { AgentCommandOptions } from "../agent/prepare-agent.js";
import { addAgentOptions } from "./run-options.js";

/**
 * `monoclaw` with no command (or `monoclaw chat`): the interactive session.
 * It needs a terminal on stdin and stdout; otherwise it says to use
 * `monoclaw run` instead of waiting for input that never comes.
 */
export function registerInteractiveCommand(program: Command, context: CliContext, stdin: NodeJS.ReadStream = process.stdin): void {
  const command = program
    .command("chat", { isDefault: true })
    .description("talk with Mona in an interactive session (what `monoclaw` alone starts)")
    // Operands reach the default command when the first word is not a command: reported below, not declared (kept out of --help).
    .allowExcessArguments(true);
  addAgentOptions(
    command,
    context.backendFactories.map((factory) => factory.name),
  ).action(async (options: AgentCommandOptions, self: Command) => {
    const words = self.args;
    if (words.length > 0) {
      throw usageError(`"${words[0]}" is not a monoclaw command (see monoclaw --help). To give Mona a task directly: monoclaw run "${words.join(" ")}"`);
    }
    if (stdin.isTTY !== true || context.stdout.isTTY !== true) {
      throw usageError(
        'The interactive session needs a terminal. For scripts and pipes use `monoclaw run "<prompt>"` (or pipe the prompt into `monoclaw run`).',
      );
    }
    // The session's modules (agent, line editor, history) load only when it starts.
    const [{ openHistoryFile }, { runInteractiveSession }, { prepareAgent }, { createSession }] = await Promise.all([
      import("../agent/history-file.js"),
      import("../agent/interactive-session.js"),
      import("../agent/prepare-agent.js"),
      import("../agent/session-store.js"),
    ]);
    const prepared = await prepareAgent(context, options, { interactive: true });
    const { runtime, conversation, home, sessionsDir, cwd } = prepared;
    process.exitCode = await runInteractiveSession({
      runtime,
      input: stdin,
      output: context.stdout,
      errorOutput: context.stderr,
      env: context.env,
      history: openHistoryFile(join(home, "history")),
      session: conversation.session,
      messages: conversation.messages,
      newSession: (model) =>
        createSession({
          directory: sessionsDir,
          cwd,
          model,
          backend: runtime.backend,
          onError: (error) => context.stderr.write(`monoclaw: warning: ${error.message}\n`),
        }),
      canAsk: true,
    });
  });
}
