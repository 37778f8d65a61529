import { askApproval } from "./approval-prompt.js";
import type { AgentRuntime } from "./agent-runtime.js";
import { driveTurn } from "./drive-turn.js";
import type { HistoryFile } from "./history-file.js";
import { watchInterrupts, type TerminalInput } from "./interrupt-watcher.js";
import { openPrompt, type OpenPrompt, type PromptResult } from "./line-reader.js";
import { messageText, type ConversationMessage, type SessionWriter } from "./session-store.js";
import { parseSlashCommand, SLASH_COMMANDS_HELP } from "./slash-command.js";
import { createTerminalRenderer } from "./terminal-renderer.js";
import { createTerminalSanitizer } from "./terminal-sanitizer.js";
import { createTerminalStyle, shouldUseColor } from "./terminal-style.js";
import { onTerminationSignals, SIGNAL_EXIT_CODES, type TerminationSignal } from "./termination-signals.js";

export interface InteractiveSessionOptions {
  runtime: AgentRuntime;
  input: TerminalInput;
  output: NodeJS.WritableStream & { isTTY?: boolean };
  errorOutput: NodeJS.WritableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  history: HistoryFile;
  /** The session to write to, and its conversation so far (empty unless resumed). */
  session: SessionWriter;
  messages: ConversationMessage[];
  /** Starts a new session file for `/new`. */
  newSession: (model: string) => SessionWriter;
  /** Asked for commands that need approval; false means nobody can be asked (they are refused). */
  canAsk: boolean;
}

/**
 * The interactive `monoclaw` session: a prompt with line editing and
 * history; each line is a turn streamed through the terminal renderer, or a
 * slash command (`/new`, `/model <id>`, `/exit`, `/help`).
 *
 * Ctrl-C rules: during a turn it aborts the turn and its running command
 * (a second Ctrl-C before the turn has stopped exits at once); at the
 * prompt it clears a half-typed line, and on an empty line it exits when
 * the previous key was also Ctrl-C (else it says so). Ctrl-D on an empty
 * line and `/exit` exit (0). A SIGINT sent to the process counts as Ctrl-C
 * wherever it lands. SIGTERM and SIGHUP (a closed terminal) abort a
 * running turn and end the session with 143 / 129. Resolves with the exit
 * code; it never calls `process.exit` and always closes the session file and
 * disposes the runtime (ending every process the backend started).
 */
export async function runInteractiveSession(options: InteractiveSessionOptions): Promise<number> {
  const { runtime, input, output, errorOutput, env, history } = options;
  const style = createTerminalStyle(shouldUseColor(output, env));
  const renderer = createTerminalRenderer({ stdout: output, stderr: errorOutput, env, mode: "stream" });
  let session = options.session;
  let messages = options.messages;
  let lastWasInterrupt = false;
  /** Set by SIGTERM / SIGHUP (or SIGINT from outside while at the prompt): the session ends. */
  let terminatedBy: TerminationSignal | undefined;
  const terminate = new AbortController();
  /** While a turn runs: what Ctrl-C does to it. */
  let interruptTurn: (() => void) | undefined;
  /** While the prompt is open. */
  let activePrompt: OpenPrompt | undefined;
  /** A SIGINT that came between prompt and turn, when the terminal was briefly in normal mode: it counts at the next prompt. */
  let pendingInterrupt = false;
  const removeSignalHandlers = onTerminationSignals((signal) => {
    if (signal === "SIGINT") {
      if (interruptTurn !== undefined) interruptTurn();
      else if (activePrompt !== undefined) activePrompt.interrupt();
      else pendingInterrupt = true;
      return;
    }
    if (terminatedBy !== undefined) return interruptTurn?.();
    terminatedBy = signal;
    terminate.abort();
    interruptTurn?.();
  });
  const readLine = async (): Promise<PromptResult> => {
    if (pendingInterrupt) {
      pendingInterrupt = false;
      output.write("\n");
      return { type: "interrupt", hadText: false };
    }
    activePrompt = openPrompt({ input, output, prompt: style.cyan("› "), history, signal: terminate.signal });
    try {
      return await activePrompt.result;
    } finally {
      activePrompt = undefined;
    }
  };

  const say = (text: string) => output.write(`${text}\n`);
  say(`${style.bold("Mona")} ${style.dim("·")} ${runtime.model} ${style.dim("·")} ${runtime.where}`);
  say(
    style.dim(
      `Session ${session.id}${messages.length > 0 ? ` (resumed, ${messages.length} messages)` : ""} · /help for commands · Ctrl-C interrupts · Ctrl-D or /exit quits`,
    ),
  );

  if (messages.length > 0) {
    // Where the resumed conversation left off.
    const last = (role: string) => [...messages].reverse().find((message) => message.role === role && messageText(message).trim() !== "");
    const clean = (text: string) => createTerminalSanitizer({ keepColors: false }).write(text).replace(/\s+/g, " ").trim();
    const shorten = (text: string) => (text.length > 100 ? `${text.slice(0, 99)}…` : text);
    const you = last("user");
    const mona = last("assistant");
    if (you !== undefined) say(style.dim(`  you: ${shorten(clean(messageText(you)))}`));
    if (mona !== undefined) say(style.dim(`  Mona: ${shorten(clean(messageText(mona)))}`));
  }

  try {
    for (;;) {
      if (terminatedBy !== undefined) return SIGNAL_EXIT_CODES[terminatedBy];
      const result = await readLine();
      if (terminatedBy !== undefined) return SIGNAL_EXIT_CODES[terminatedBy];
      if (result.type === "eof") return 0;
      if (result.type === "interrupt") {
        if (result.hadText) {
          lastWasInterrupt = false;
          continue;
        }
        if (lastWasInterrupt) return 0;
        lastWasInterrupt = true;
        say(style.dim("(Ctrl-C again to exit, or type /exit)"));
        continue;
      }
      lastWasInterrupt = false;
      const line = result.line.trim();
      if (line === "") continue;

      const command = parseSlashCommand(line);
      if (command !== undefined) {
        switch (command.type) {
          case "exit":
            return 0;
          case "help":
            for (const [name, text] of SLASH_COMMANDS_HELP) say(`  ${style.bold(name.padEnd(26))}${text}`);
            continue;
          case "new":
            session.close();
            session = options.newSession(runtime.model);
            messages = [];
            try {
              await runtime.newSession({ id: session.id, resumed: false });
            } catch (error) {
              errorOutput.write(`${style.red(`✗ ${(error as Error).message}`)}\n`);
              return 1;
            }
            say(style.dim(`New session ${session.id}.`));
            continue;
          case "model":
            if (command.model === undefined) {
              say(`Model: ${runtime.model}`);
              continue;
            }
            try {
              await runtime.setModel(command.model);
              session.recordModel(runtime.model);
              say(style.dim(`Model: ${runtime.model}`));
            } catch (error) {
              errorOutput.write(`${style.red(`✗ ${(error as Error).message}`)}\n`);
            }
            continue;
          case "unknown":
            say(`Unknown command ${command.name}. Commands: ${SLASH_COMMANDS_HELP.map(([name]) => name.split(" ")[0]).join(", ")}.`);
            continue;
        }
      }

      const outcome = await runInteractiveTurn(line);
      if (outcome === "exit") return SIGNAL_EXIT_CODES[terminatedBy ?? "SIGINT"];
      lastWasInterrupt = outcome === "interrupted";
    }
  } finally {
    removeSignalHandlers();
    session.close();
    await runtime.dispose();
  }

  /** One turn with Ctrl-C watched; resolves how it ended as far as the prompt loop cares. */
  async function runInteractiveTurn(prompt: string): Promise<"done" | "interrupted" | "exit"> {
    const controller = new AbortController();
    let interrupts = 0;
    let forceExit: () => void = () => {};
    const exitRequested = new Promise<"exit">((resolve) => (forceExit = () => resolve("exit")));
    const onInterrupt = () => {
      interrupts += 1;
      if (interrupts === 1) controller.abort();
      else forceExit();
    };
    interruptTurn = onInterrupt;
    let over = false;
    let watcher = watchInterrupts(input, onInterrupt);
    // The question reads a line itself, so Ctrl-C watching pauses while it is open.
    const ask = async (question: { command: string; reason: string }) => {
      renderer.pause();
      watcher.stop();
      try {
        return await askApproval(question, { input, output, style, signal: controller.signal, onInterrupt });
      } finally {
        if (!over) watcher = watchInterrupts(input, onInterrupt);
      }
    };
    try {
      const turn = driveTurn({
        runtime,
        prompt,
        messages,
        renderer,
        session,
        signal: controller.signal,
        ...(options.canAsk ? { ask } : {}),
      }).then((outcome) => {
        messages = outcome.messages;
        return interrupts > 0 ? ("interrupted" as const) : ("done" as const);
      });
      return await Promise.race([turn, exitRequested]);
    } finally {
      over = true;
      interruptTurn = undefined;
      watcher.stop();
    }
  }
}
