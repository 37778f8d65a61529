import type { Command } from "commander";
import { parseChoice } from "../option-parsers.js";

/** The options `monoclaw` (interactive) and `monoclaw run` share: model, backend and which session to continue. */
export function addAgentOptions(command: Command, backendNames: readonly string[]): Command {
  return command
    .option("-m, --model <provider/model>", "model for this run only, e.g. anthropic/claude-sonnet-4-5 (overrides `model`)")
    .option(
      "-b, --backend <name>",
      `where commands run, for this run only: ${backendNames.join(" or ")} (overrides terminal.backend)`,
      parseChoice(backendNames, "backend"),
    )
    .option("-c, --continue", "continue the most recent session")
    .option("-r, --resume <id>", "continue the session with this id (or a unique prefix of it)");
}
