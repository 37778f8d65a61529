import type { AgentEvent, ToolEndEvent } from "@monoclaw/core";
import { formatDuration } from "./format-duration.js";
import { createSpinner } from "./spinner.js";
import { createTerminalSanitizer, type TerminalSanitizer } from "./terminal-sanitizer.js";
import { createTerminalStyle, shouldUseColor, type TerminalOutput } from "./terminal-style.js";

/** Renders one agent turn after another for a person. */
export interface AgentEventRenderer {
  /** Renders one event. Never throws. */
  render(event: AgentEvent): void;
  /**
   * Stops the spinner and ends an open line so something else (a prompt, a
   * warning) can write to the terminal. Rendering the next event resumes.
   */
  pause(): void;
}

export interface TerminalRendererOptions {
  stdout: TerminalOutput;
  stderr: TerminalOutput;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * `stream` (the interactive session, `run` on a terminal): the answer
   * streams to stdout as it comes, with tool calls and the spinner between.
   * `answer` (`run` with stdout piped): all of that goes to stderr, and only
   * the final answer is written to stdout, once, when the turn ends.
   */
  mode: "stream" | "answer";
}

/**
 * The terminal renderer: streamed text, each tool call with its title, live
 * output, exit code and duration, and a spinner while the model thinks.
 *
 * Rules: the spinner is drawn only on a TTY; colour follows
 * {@link shouldUseColor} per stream (NO_COLOR wins); text from the model and
 * from tools is passed through {@link createTerminalSanitizer}, so neither can
 * move the cursor, retitle the window or write the clipboard; errors always go
 * to stderr. It never throws and never buffers more than one escape sequence.
 */
export function createTerminalRenderer(options: TerminalRendererOptions): AgentEventRenderer {
  const { stdout, stderr, env, mode } = options;
  const activity = mode === "stream" ? stdout : stderr;
  const style = createTerminalStyle(shouldUseColor(activity, env));
  const errorStyle = createTerminalStyle(shouldUseColor(stderr, env));
  const spinner = createSpinner(activity, style);
  const sameTerminal = activity === stderr;

  let atLineStart = true;
  let textSanitizer = createTerminalSanitizer({ keepColors: false });
  const tools = new Map<string, { sanitizer: TerminalSanitizer; atLineStart: boolean }>();
  let outputOwner: string | undefined;

  const write = (text: string) => {
    if (text === "") return;
    spinner.stop();
    activity.write(text);
    atLineStart = text.endsWith("\n");
  };
  const endLine = () => {
    spinner.stop();
    if (!atLineStart) write("\n");
    outputOwner = undefined;
  };
  const writeError = (text: string) => {
    endLine();
    stderr.write(`${text}\n`);
    if (sameTerminal) atLineStart = true;
  };

  const toolOutput = (toolCallId: string, stream: "stdout" | "stderr", chunk: string) => {
    let state = tools.get(toolCallId);
    if (state === undefined) {
      state = { sanitizer: createTerminalSanitizer({ keepColors: style.enabled }), atLineStart: true };
      tools.set(toolCallId, state);
    }
    if (outputOwner !== toolCallId) {
      endLine();
      outputOwner = toolCallId;
    }
    const clean = state.sanitizer.write(chunk);
    if (clean === "") return;
    const prefix = style.dim("  │ ");
    let rendered = "";
    // Lines split on \n; a lone \r returns to the start of the indented line (progress bars).
    for (const piece of clean.split(/(\r\n|\n|\r)/)) {
      if (piece === "\n" || piece === "\r\n") {
        rendered += (style.enabled ? "\u001b[0m" : "") + "\n";
        state.atLineStart = true;
      } else if (piece === "\r") {
        rendered += activity.isTTY === true ? "\r" : "\n";
        state.atLineStart = true;
      } else if (piece !== "") {
        if (state.atLineStart) rendered += prefix;
        rendered += stream === "stderr" ? style.red(piece) : piece;
        state.atLineStart = false;
      }
    }
    write(rendered);
  };

  const toolEnd = (event: ToolEndEvent) => {
    const streamed = tools.get(event.toolCallId);
    streamed?.sanitizer.flush();
    tools.delete(event.toolCallId);
    if (style.enabled && !atLineStart) write("\u001b[0m");
    endLine();
    if (streamed === undefined && !event.isError && event.toolName === "edit") write(renderDiff(event.output));
    const duration = formatDuration(event.durationMs);
    let status: string;
    if (event.timedOut === true) status = style.red(`✗ timed out after ${duration}`);
    else if (event.aborted === true) status = style.yellow(`■ aborted after ${duration}`);
    else if (event.exitCode !== undefined) {
      const text = `${event.exitCode === 0 ? "✓" : "✗"} exit ${event.exitCode} · ${duration}`;
      status = event.exitCode === 0 ? style.green(text) : style.red(text);
    } else if (event.isError) status = style.red(`✗ ${firstLine(event.output)} · ${duration}`);
    else if (streamed === undefined && SUMMARISED_TOOLS.has(event.toolName)) status = style.green(`✓ ${firstLine(event.output)} · ${duration}`);
    else status = style.green(`✓ ${duration}`);
    write(`  ${status}\n`);
  };

  /** The unified diff `edit` returns (after its first line), coloured, at most {@link MAX_DIFF_LINES} lines. */
  const renderDiff = (output: string) => {
    const lines = createTerminalSanitizer({ keepColors: false }).write(output).split("\n").slice(1);
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    const shown = lines.slice(0, MAX_DIFF_LINES).map((line) => {
      const colour = line.startsWith("+") && !line.startsWith("+++") ? style.green : line.startsWith("-") && !line.startsWith("---") ? style.red : style.dim;
      return `${style.dim("  │ ")}${colour(line)}\n`;
    });
    const more = lines.length > MAX_DIFF_LINES ? `${style.dim(`  │ … ${lines.length - MAX_DIFF_LINES} more diff lines`)}\n` : "";
    return shown.join("") + more;
  };

  const renderEvent = (event: AgentEvent) => {
    switch (event.type) {
      case "turn-start":
        textSanitizer = createTerminalSanitizer({ keepColors: false });
        endLine();
        spinner.start("thinking");
        return;
      case "text-delta":
        if (outputOwner !== undefined) endLine();
        write(textSanitizer.write(event.text));
        return;
      case "tool-start": {
        endLine();
        const title = createTerminalSanitizer({ keepColors: false }).write(event.title || event.toolName);
        const [head = "", ...rest] = title.split("\n");
        const more = rest.map((line) => `\n    ${line}`).join("");
        write(`${style.cyan("●")} ${style.bold(event.toolName)} ${head}${more}\n`);
        return;
      }
      case "tool-output":
        toolOutput(event.toolCallId, event.stream, event.text);
        return;
      case "tool-end":
        toolEnd(event);
        // The model gets the result next, unless the turn is being aborted.
        if (event.aborted !== true) spinner.start("thinking");
        return;
      case "usage":
        return;
      case "retry":
        writeError(errorStyle.yellow(`! ${event.reason}; retrying in ${formatDuration(event.delayMs)} (attempt ${event.attempt})`));
        spinner.start("waiting to retry");
        return;
      case "compaction":
        endLine();
        write(style.dim(`· summarised ${event.summarizedMessages} older messages to stay within the context window\n`));
        spinner.start("thinking");
        return;
      case "error":
        if (event.kind === "aborted") writeError(errorStyle.yellow(`■ ${event.message}`));
        else writeError(errorStyle.red(`✗ ${event.kind === "internal" ? "internal error: " : ""}${event.message}`));
        return;
      case "turn-end":
        textSanitizer.flush();
        endLine();
        if (event.reason === "max-steps") {
          writeError(errorStyle.yellow("! Mona stopped at the step limit before finishing; ask her to continue."));
        }
        if (mode === "answer" && event.text !== "") {
          const answer = createTerminalSanitizer({ keepColors: false }).write(event.text);
          stdout.write(answer.endsWith("\n") ? answer : `${answer}\n`);
        }
        return;
    }
  };

  return {
    render(event) {
      try {
        renderEvent(event);
      } catch {
        // A closed terminal (EPIPE) must not break the agent loop; there is nowhere left to report it.
      }
    },
    pause() {
      endLine();
    },
  };
}

/** Tools whose result starts with a one-line summary worth showing (`Created a.txt (3 bytes, 1 lines).`); `read` returns file content instead. */
const SUMMARISED_TOOLS = new Set(["write", "edit"]);
/** Diff lines of an `edit` shown in the terminal; the model always gets the whole diff. */
const MAX_DIFF_LINES = 40;

function firstLine(text: string): string {
  const clean = createTerminalSanitizer({ keepColors: false }).write(text);
  const line = (clean.split("\n").find((candidate) => candidate.trim() !== "") ?? "failed").trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
