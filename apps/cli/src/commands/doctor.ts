import type { Command } from "commander";
import type { HealthCheck } from "@monoclaw/core/backend";
import {
  ConfigError,
  createConfiguredBackend,
  formatConfigProblem,
  loadConfig,
  resolveConfigFile,
  type ConfigProblem,
  type LoadedConfig,
} from "@monoclaw/core/config";
import { createTerminalStyle, shouldUseColor, type TerminalStyle } from "../agent/terminal-style.js";
import type { CliContext } from "../cli-context.js";
import { parseChoice } from "../option-parsers.js";
import { spillFilesCheck } from "./doctor-spill-check.js";

const SYMBOLS = { ok: "✓", warn: "!", fail: "✗" } as const;

export function registerDoctorCommand(program: Command, context: CliContext): void {
  const names = context.backendFactories.map((factory) => factory.name);
  program
    .command("doctor")
    .summary("check the config file and the selected backend")
    .description(
      "Checks that the config file parses and validates, that the selected backend (terminal.backend) " +
        "is available, and runs that backend's own health checks. Each line is ✓ (ok), ! (works, with " +
        "advice) or ✗ (must be fixed), with how to fix it. Exits 0 when no check failed, 1 otherwise.",
    )
    .option("-b, --backend <name>", `check this backend instead of terminal.backend (${names.join(", ")})`, parseChoice(names, "backend"))
    .option("--json", "print {ok, checks: [{id, level, message, fix}]} as JSON")
    .action(async (options: { json?: boolean; backend?: string }) => {
      const checks = await runDoctorChecks(context, options.backend);
      const ok = checks.every((check) => check.level !== "fail");
      if (options.json === true) context.stdout.write(`${JSON.stringify({ ok, checks }, null, 2)}\n`);
      else printChecks(context, checks);
      process.exitCode = ok ? 0 : 1;
    });
}

/**
 * Every check, in order: the config file, then (when it is valid) the
 * backend's availability and its own health checks. Never throws: a problem
 * is a `fail` check. The backend is disposed before this resolves.
 */
export async function runDoctorChecks(context: CliContext, backendOverride?: string): Promise<HealthCheck[]> {
  const file = resolveConfigFile(context.env, context.startDir);
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({ factories: context.backendFactories, env: context.env, startDir: context.startDir });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => problemCheck("config", "fail", problem));
  }
  const checks: HealthCheck[] = [
    {
      id: "config",
      level: "ok",
      message: loaded.exists ? `config ${loaded.file} is valid` : `no config file at ${file}; every setting has its default`,
    },
    ...loaded.warnings.map((warning) => problemCheck("config.unknown-key", "warn", warning)),
    await modelCheck(loaded, context),
  ];

  const name = backendOverride ?? loaded.config.terminal.backend;
  const factory = context.backendFactories.find((candidate) => candidate.name === name);
  if (factory === undefined) {
    const names = context.backendFactories.map((candidate) => candidate.name).join(", ");
    return [...checks, { id: "backend", level: "fail", message: `backend "${name}" is not one MonoClaw knows`, fix: `use one of: ${names}` }];
  }
  const backend = createConfiguredBackend(loaded.config, context.backendFactories, { backend: name, env: context.env });
  try {
    const status = await backend.status();
    checks.push(
      status.available
        ? { id: "backend", level: "ok", message: `backend ${name} (${factory.description}): ${status.summary}` }
        : {
            id: "backend",
            level: "fail",
            message: `backend ${name} is not available: ${status.summary}`,
            fix: `see the checks below, or switch backends: monoclaw config set terminal.backend <${context.backendFactories.map((f) => f.name).join("|")}>`,
          },
    );
    checks.push(...(await backend.healthChecks()));
  } catch (error) {
    checks.push({ id: "backend", level: "fail", message: `backend ${name} could not be checked: ${(error as Error).message}` });
  } finally {
    await backend.dispose();
  }
  checks.push(spillFilesCheck());
  return checks;
}

/**
 * Whether the configured model can be set up: provider known, key and URL
 * present. Local only: no request is sent (the session start checks that the
 * server answers). No model at all is a warning, since `exec` works without one.
 */
async function modelCheck(loaded: LoadedConfig, context: CliContext): Promise<HealthCheck> {
  const model = loaded.config.model;
  if (model === undefined) {
    return {
      id: "model",
      level: "warn",
      message: "no model is set; Mona (monoclaw, monoclaw run) needs one",
      fix: "monoclaw config set model anthropic/claude-sonnet-4-5 (or openai/<id>, or <provider>/<id> with providers.<provider>.base_url)",
    };
  }
  // The model registry brings in the AI SDK: loaded only when a model is set.
  const { isModelSetupError, resolveModel } = await import("@monoclaw/core");
  try {
    const resolved = resolveModel({ model, providers: loaded.config.providers, env: context.env });
    const key = resolved.apiKeySource === undefined ? "no API key" : `API key from ${resolved.apiKeySource}`;
    return { id: "model", level: "ok", message: `model ${model} (${resolved.baseURL}, ${key})` };
  } catch (error) {
    if (!isModelSetupError(error)) throw error;
    return {
      id: "model",
      level: "fail",
      message: error.message,
      ...(error.setting === undefined
        ? {}
        : {
            fix: error.setting.startsWith("providers.")
              ? `monoclaw config set ${error.setting} <value>`
              : `export ${error.setting}=<value> before starting monoclaw`,
          }),
    };
  }
}

function problemCheck(id: string, level: HealthCheck["level"], problem: ConfigProblem): HealthCheck {
  const { fix, ...rest } = problem;
  return { id, level, message: formatConfigProblem(rest), ...(fix === undefined ? {} : { fix }) };
}

function printChecks(context: CliContext, checks: readonly HealthCheck[]): void {
  const style = createTerminalStyle(shouldUseColor(context.stdout, context.env));
  for (const check of checks) {
    context.stdout.write(`${symbol(style, check.level)} ${check.message}\n`);
    if (check.fix !== undefined && check.level !== "ok") context.stdout.write(`  ${style.dim(`fix: ${check.fix}`)}\n`);
  }
  const failed = checks.filter((check) => check.level === "fail").length;
  const warned = checks.filter((check) => check.level === "warn").length;
  const summary =
    failed > 0
      ? style.red(`${failed} check(s) failed${warned > 0 ? `, ${warned} warning(s)` : ""}`)
      : warned > 0
        ? style.yellow(`no check failed, ${warned} warning(s)`)
        : style.green("all checks passed");
  context.stdout.write(`\n${summary}\n`);
}

function symbol(style: TerminalStyle, level: HealthCheck["level"]): string {
  if (level === "ok") return style.green(SYMBOLS.ok);
  if (level === "warn") return style.yellow(SYMBOLS.warn);
  return style.red(SYMBOLS.fail);
}
