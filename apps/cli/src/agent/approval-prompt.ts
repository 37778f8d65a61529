import { createInterface } from "node:readline";
import { ALWAYS_ASK_REASON, DESTRUCTIVE_DETECTION_NOTE } from "@monoclaw/core";
import { createTerminalSanitizer } from "./terminal-sanitizer.js";
import type { TerminalStyle } from "./terminal-style.js";

/** A command waiting for the user's yes or no. */
export interface ApprovalQuestion {
  /** The command as it will run. */
  command: string;
  /** Why it needs approval, e.g. `this command recursively deletes / , home or a system directory`. */
  reason: string;
}

export interface ApprovalPromptOptions {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
  style: TerminalStyle;
  /** Aborting (Ctrl-C during the turn) answers no. */
  signal?: AbortSignal;
  /** Called when Ctrl-C is pressed at the question (which answers no). */
  onInterrupt?: () => void;
}

/**
 * Asks `Run it? [y/N]` for one command and resolves true only for `y` or
 * `yes` (any case). Empty input, anything else, end of input and an abort
 * all resolve false: the default is always to refuse. Never throws. The
 * command is shown sanitized, so it cannot hide itself with escape sequences,
 * with a line saying what the destructive-command check cannot see (unless
 * `terminal.approvals` is `always`, when nothing was judged).
 */
export async function askApproval(question: ApprovalQuestion, options: ApprovalPromptOptions): Promise<boolean> {
  const { input, output, style, signal, onInterrupt } = options;
  if (signal?.aborted === true) return false;
  const clean = createTerminalSanitizer({ keepColors: false });
  const command = clean
    .write(question.command)
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
  // The check's limits matter when it judged the command, not when every command is asked about.
  const note = question.reason === ALWAYS_ASK_REASON ? "" : `${style.dim(DESTRUCTIVE_DETECTION_NOTE)}\n`;
  output.write(`${style.yellow(`! Approval needed: ${clean.write(question.reason)}`)}\n${style.bold(command)}\n${note}`);
  const readline = createInterface({ input, output, terminal: input.isTTY === true });
  try {
    const answer = await new Promise<string | undefined>((resolve) => {
      readline.once("close", () => resolve(undefined));
      // Ctrl-C while asked: answer no (the caller's signal decides whether the turn ends).
      readline.once("SIGINT", () => {
        resolve(undefined);
        onInterrupt?.();
      });
      signal?.addEventListener("abort", () => resolve(undefined), { once: true });
      readline.question(`${style.yellow("Run it?")} [y/N] `, (line) => resolve(line));
    });
    if (answer === undefined) output.write("\n");
    const approved = answer !== undefined && /^\s*y(es)?\s*$/i.test(answer);
    output.write(approved ? "" : `${style.dim("Refused.")}\n`);
    return approved;
  } finally {
    readline.close();
  }
}
