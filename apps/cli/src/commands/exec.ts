import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { execCommandLine } from "./exec-command-line.js";
import { parseChoice, parseSeconds } from "../option-parsers.js";

/** The options `exec` takes (see registerExecCommand). */
export interface ExecCommandOptions {
  backend?: string;
  timeout?: number;
  cwd?: string;
  stdin?: boolean;
}

export function registerExecCommand(program: Command, context: CliContext): void {
  const names = context.backendFactories.map((factory) => factory.name);
  program
    .command("exec")
    .summary("run one shell command through the configured backend")
    .description(
      "Runs <command> with sh -c through the configured backend (terminal.backend), streaming its stdout " +
        "and stderr as they come, and exits with its exit code: 124 when it timed out, 130 after Ctrl-C " +
        "(the command and everything it started is ended first), 125 when the backend could not run it. " +
        "One word is a shell command line (monoclaw exec 'make && make test'); several words are an " +
        "argument vector run exactly as given, as docker exec does (monoclaw exec -- sh -c 'echo a; echo b').",
    )
    .usage("[options] -- <command...>")
    .argument("<command...>", "a command line (one word) or a program and its arguments (several words)")
    .option("-b, --backend <name>", `backend for this command (${names.join(", ")})`, parseChoice(names, "backend"))
    .option("-t, --timeout <seconds>", "end the command after this many seconds (default: terminal.timeout)", parseSeconds)
    .option("-C, --cwd <dir>", "working directory in the backend's own paths (relative: from its workspace)")
    .option("--stdin", "pass monoclaw's standard input to the command (read to the end first)")
    .passThroughOptions()
    .addHelpText(
      "after",
      "\nExamples:\n  monoclaw exec -- ls -la\n  monoclaw exec 'make && make test'\n  monoclaw exec --backend docker --timeout 30 -- sh -c 'echo a; echo b'\n",
    )
    .action(async (words: string[], options: ExecCommandOptions) => {
      // The backend, the config loader and the command's plumbing load only when exec runs.
      const { runExec } = await import("./exec-run.js");
      const outcome = { unreadOutput: false };
      process.exitCode = await runExec(context, execCommandLine(words), options, outcome);
      // Output a stalled reader never takes would keep the process alive for good once the command was ended.
      if (outcome.unreadOutput) process.exit(process.exitCode);
    });
}
