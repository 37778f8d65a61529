import type { Command } from "commander";
import { stringify } from "yaml";
import {
  checkConfigKey,
  formatConfigProblem,
  maskSecrets,
  parseValueText,
  resolveConfigFile,
  setConfigValue,
  unsetConfigValue,
  valueAtPath,
  type EditResult,
} from "@monoclaw/core/config";
import type { CliContext } from "../cli-context.js";
import { CliError, EXIT_FAILURE } from "../cli-error.js";
import { loadCliConfig } from "../load-cli-config.js";
import { refuseWhatEveryCommandRefuses } from "./config-refusals.js";

export function registerConfigCommand(program: Command, context: CliContext): void {
  const config = program
    .command("config")
    .summary("show and change the config file")
    .description(
      "Shows and changes the config file ($MONOCLAW_HOME/config.yaml, default ~/.monoclaw/config.yaml). " +
        "Keys are dotted paths such as terminal.backend or terminal.docker.image.",
    );

  config
    .command("path")
    .description("print the path of the config file (it may not exist yet)")
    .action(() => {
      context.stdout.write(`${resolveConfigFile(context.env, context.startDir)}\n`);
    });

  config
    .command("get")
    .description("print the effective value of <key> (defaults included), API keys and other secrets masked; exit 1 when it has none")
    .argument("<key>", "dotted key path, e.g. terminal.backend")
    .option("--json", "print the value as JSON")
    .action(async (key: string, options: { json?: boolean }) => {
      const segments = checkConfigKey(key, resolveConfigFile(context.env, context.startDir), editOptions(context));
      const loaded = await loadCliConfig(context, { missingVariables: "keep" });
      const value = valueAtPath(loaded.config, segments);
      if (value === undefined) {
        throw new CliError(`${key} is not set (set it with \`monoclaw config set ${key} <value>\`)`, { exitCode: EXIT_FAILURE });
      }
      context.stdout.write(render(maskSecrets(value, segments.at(-1)), options.json === true));
    });

  config
    .command("set")
    .description("set <key> to <value>, read as YAML (true, 300, [a, b], text); comments and layout are kept")
    .argument("<key>", "dotted key path, e.g. terminal.backend")
    .argument("<value>", "the value, as YAML")
    .addHelpText(
      "after",
      "\nThe file is validated before it is written: an invalid value changes nothing.\n\nExamples:\n" +
        "  monoclaw config set terminal.backend docker\n" +
        "  monoclaw config set terminal.timeout 300\n" +
        "  monoclaw config set terminal.docker.volumes '[\"${HOME}/projects:/projects\"]'\n" +
        "  monoclaw config set providers.openai.api_key '${OPENAI_API_KEY}'\n",
    )
    .action(async (key: string, valueText: string) => {
      const options = editOptions(context);
      const value = parseValueText(valueText, resolveConfigFile(context.env, context.startDir), key);
      await refuseWhatEveryCommandRefuses(key, value, context);
      // The echo never repeats a secret: the value is in the file, not on the screen or in a log.
      const shown = inline(maskSecrets(value, key.split(".").at(-1)));
      report(context, await setConfigValue(key, value, options), `${key} = ${shown}`, `${key} is already ${shown}`);
    });

  config
    .command("unset")
    .description("remove <key> from the config file, so its default applies again")
    .argument("<key>", "dotted key path, e.g. terminal.timeout")
    .action(async (key: string) => {
      await refuseWhatEveryCommandRefuses(key, undefined, context);
      report(context, await unsetConfigValue(key, editOptions(context)), `${key} removed`, `${key} was not set`);
    });

  config
    .command("list")
    .description("print the effective configuration (file, defaults and expanded ${VAR}s); API keys and other secrets are masked")
    .option("--json", "print JSON instead of YAML")
    .action(async (options: { json?: boolean }) => {
      const loaded = await loadCliConfig(context, { missingVariables: "keep" });
      context.stdout.write(render(maskSecrets(loaded.config), options.json === true));
    });
}

function editOptions(context: CliContext) {
  return { factories: context.backendFactories, env: context.env, startDir: context.startDir };
}

function report(context: CliContext, result: EditResult, changed: string, unchanged: string): void {
  for (const warning of result.warnings) context.stderr.write(`monoclaw: warning: ${formatConfigProblem(warning)}\n`);
  context.stdout.write(result.changed ? `${changed} (${result.file})\n` : `${unchanged} (${result.file})\n`);
}

function render(value: unknown, json: boolean): string {
  if (json) return `${JSON.stringify(value, null, 2)}\n`;
  if (value !== null && typeof value === "object") return stringify(value);
  return `${String(value)}\n`;
}

function inline(value: unknown): string {
  return value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
}
