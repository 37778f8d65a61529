import { formatConfigProblem, loadConfig, type LoadConfigOptions, type LoadedConfig } from "@monoclaw/core/config";
import type { CliContext } from "./cli-context.js";

/**
 * Loads the config file for a command and prints each warning (unknown keys,
 * with the closest known key) as one `monoclaw: warning:` line on stderr.
 * Throws the loader's ConfigError (exit 2) for an invalid file.
 */
export async function loadCliConfig(context: CliContext, options: Pick<LoadConfigOptions, "missingVariables"> = {}): Promise<LoadedConfig> {
  const loaded = await loadConfig({ factories: context.backendFactories, env: context.env, startDir: context.startDir, ...options });
  for (const warning of loaded.warnings) context.stderr.write(`monoclaw: warning: ${formatConfigProblem(warning)}\n`);
  return loaded;
}
