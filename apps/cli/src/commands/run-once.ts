import type { CliContext } from "../cli-context.js";
import { EXIT_FAILURE, EXIT_OK, usageError } from "../cli-error.js";
import { askApproval } from "../agent/approval-prompt.js";
import { driveTurn } from "../agent/drive-turn.js";
import { createJsonRenderer, writeSessionLine } from "../agent/json-renderer.js";
import { prepareAgent } from "../agent/prepare-agent.js";
import { readPromptFromStdin } from "../agent/read-stdin.js";
import { createTerminalRenderer } from "../agent/terminal-renderer.js";
import { createTerminalStyle, shouldUseColor } from "../agent/terminal-style.js";
import { onTerminationSignals, SIGNAL_EXIT_CODES, type TerminationSignal } from "../agent/termination-signals.js";
import type { RunOptions } from "./run.js";

/** One turn of `monoclaw run` (see registerRunCommand for the exit codes); resolves with the exit code. */
export async function runOnce(words: string[], options: RunOptions, context: CliContext, stdin: NodeJS.ReadStream): Promise<number> {
  const { env, stdout, stderr } = context;
  let prompt = words.join(" ").trim();
  const promptFromStdin = prompt === "" && stdin.isTTY !== true;
  if (promptFromStdin) prompt = (await readPromptFromStdin(stdin)).trim();
  if (prompt === "") {
    throw usageError(
      promptFromStdin
        ? 'The prompt read from standard input is empty. Pipe a task in, e.g. `echo "list the files" | monoclaw run`.'
        : 'No prompt given. Usage: monoclaw run "<prompt>" (or pipe the prompt into `monoclaw run`).',
    );
  }

  // Approval questions need a person at a terminal; the prompt itself may have come through stdin.
  const canAsk = stdin.isTTY === true && !promptFromStdin;
  const { runtime, conversation } = await prepareAgent(context, options, { interactive: canAsk });
  if (options.json === true) {
    writeSessionLine(stdout, {
      sessionId: conversation.session.id,
      resumed: conversation.resumed !== undefined,
      model: runtime.model,
      backend: runtime.backend,
    });
  }
  const renderer =
    options.json === true ? createJsonRenderer(stdout) : createTerminalRenderer({ stdout, stderr, env, mode: stdout.isTTY === true ? "stream" : "answer" });

  const style = createTerminalStyle(shouldUseColor(stderr, env));
  const controller = new AbortController();
  // The first signal aborts the turn (the backend ends the running command); a second one stops waiting for that.
  let interruptedBy: TerminationSignal | undefined;
  let forceExit: (code: number) => void = () => {};
  const forced = new Promise<number>((resolve) => (forceExit = resolve));
  const onSignal = (signal: TerminationSignal) => {
    if (interruptedBy !== undefined) return forceExit(SIGNAL_EXIT_CODES[signal]);
    interruptedBy = signal;
    controller.abort();
  };
  const removeSignalHandlers = onTerminationSignals(onSignal);
  try {
    const turn = driveTurn({
      runtime,
      prompt,
      messages: conversation.messages,
      renderer,
      session: conversation.session,
      signal: controller.signal,
      ...(canAsk
        ? {
            ask: (question) => {
              renderer.pause();
              return askApproval(question, { input: stdin, output: stderr, style, signal: controller.signal, onInterrupt: () => onSignal("SIGINT") });
            },
          }
        : {}),
    }).then((outcome) => {
      if (interruptedBy !== undefined) return SIGNAL_EXIT_CODES[interruptedBy];
      if (outcome.end.reason === "aborted") return SIGNAL_EXIT_CODES.SIGINT;
      if (outcome.failed || outcome.end.reason !== "stop") return EXIT_FAILURE;
      return EXIT_OK;
    });
    return await Promise.race([turn, forced]);
  } finally {
    removeSignalHandlers();
    conversation.session.close();
    await runtime.dispose();
  }
}
