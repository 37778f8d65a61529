import { Command } from "commander";
import { createCliContext, type CliContext } from "./cli-context.js";
import { cliVersion } from "./version.js";
import { registerCompletionCommand } from "./commands/completion.js";
import { registerConfigCommand } from "./commands/config.js";
import { registerDoctorCommand } from "./commands/doctor.js";
import { registerExecCommand } from "./commands/exec.js";
import { registerImageCommand } from "./commands/image.js";
import { registerSandboxCommand } from "./commands/sandbox.js";
import { registerRunCommand } from "./commands/run.js";
import { registerInteractiveCommand } from "./commands/run-interactive.js";

/**
 * Builds the `monoclaw` program. Every command lives in its own module under
 * `src/commands/` and exports `register<Name>Command(program, context)`; adding
 * a command is one import and one registration line below. Program-wide
 * settings (exit override, output, help after errors) are configured before
 * the registrations so every subcommand inherits them.
 */
export function createProgram(context: CliContext = createCliContext()): Command {
  const program = new Command("monoclaw")
    .description("Mona, the MonoClaw agent: runs commands and edits files on the host or in a Docker container.")
    .version(cliVersion, "-V, --version", "print the monoclaw version")
    .helpOption("-h, --help", "show help for a command")
    .helpCommand("help [command]", "show help for a command")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    // Program options come before the command name, so `exec` can pass options through to its command.
    .enablePositionalOptions()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      outputError: (text, write) => write(`monoclaw: ${text.replace(/^error: /, "")}`),
    });

  // One line per command (owners: H3 exec/config/doctor, H2 sandbox/image, H7 run and the default action).
  registerExecCommand(program, context);
  registerConfigCommand(program, context);
  registerDoctorCommand(program, context);
  registerSandboxCommand(program, context);
  registerImageCommand(program, context);
  registerRunCommand(program, context);
  registerInteractiveCommand(program, context);
  registerCompletionCommand(program, context);

  return program;
}
