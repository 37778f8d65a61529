import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { CliError, EXIT_USAGE } from "../cli-error.js";
import { commandTree } from "./completion/command-tree.js";
import { configuredDockerBackend, dockerPackage } from "./sandbox-backend.js";

const SCRIPTS = {
  bash: async () => (await import("./completion/bash-completion.js")).bashCompletionScript,
  zsh: async () => (await import("./completion/zsh-completion.js")).zshCompletionScript,
  fish: async () => (await import("./completion/fish-completion.js")).fishCompletionScript,
} as const;
type Shell = keyof typeof SCRIPTS;

/**
 * `monoclaw completion bash|zsh|fish` prints a completion script made from
 * the program's own commands and options; `monoclaw __complete containers`
 * (hidden) is what the scripts ask for container names.
 */
export function registerCompletionCommand(program: Command, context: CliContext): void {
  program
    .command("completion")
    .summary("print a shell completion script (bash, zsh or fish)")
    .description("Prints a completion script for commands, options, backend names and MonoClaw's container names.")
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText(
      "after",
      "\nInstall:\n  bash: echo 'source <(monoclaw completion bash)' >> ~/.bashrc\n" +
        "  zsh:  echo 'source <(monoclaw completion zsh)' >> ~/.zshrc\n" +
        "  fish: monoclaw completion fish > ~/.config/fish/completions/monoclaw.fish\n",
    )
    .action(async (shell: string) => {
      if (!(shell in SCRIPTS)) {
        throw new CliError(`unknown shell '${shell}'; use one of: ${Object.keys(SCRIPTS).join(", ")}`, { exitCode: EXIT_USAGE });
      }
      const tree = commandTree(program, { backends: context.backendFactories.map((factory) => factory.name) });
      const script = await SCRIPTS[shell as Shell]();
      context.stdout.write(script(tree));
    });

  program
    .command("__complete", { hidden: true })
    .argument("<what>", "containers")
    .action(async (what: string) => {
      if (what !== "containers") throw new CliError(`__complete knows only 'containers', not '${what}'`, { exitCode: EXIT_USAGE });
      const backend = await configuredDockerBackend(context);
      try {
        const { docker } = await backend.engine();
        const { listManagedContainers } = await dockerPackage();
        for (const container of await listManagedContainers(docker)) context.stdout.write(`${container.name}\n`);
      } finally {
        await backend.dispose();
      }
    });
}
