import { ConfigError, checkConfigKey, loadConfig, resolveConfigFile } from "@monoclaw/core/config";
import type { CliContext } from "../cli-context.js";
import { backendConfigRefusals } from "../backends.js";
import { usageError } from "../cli-error.js";

/**
 * Refuses a `config set` (or `unset`: `value` undefined) whose result every command would refuse (such as a
 * `terminal.docker.volumes` entry the mount policy never mounts), with the
 * message those commands print. Checks the effective config as it would be
 * after the edit; a file that does not load now is left to `config set`'s
 * own validation.
 */
export async function refuseWhatEveryCommandRefuses(key: string, value: unknown, context: CliContext): Promise<void> {
  const options = { factories: context.backendFactories, env: context.env, startDir: context.startDir };
  const segments = checkConfigKey(key, resolveConfigFile(context.env, context.startDir), options);
  if (segments[0] !== "terminal") return;
  let config: Record<string, unknown>;
  try {
    config = structuredClone((await loadConfig({ ...options, missingVariables: "keep" })).config) as unknown as Record<string, unknown>;
  } catch (error) {
    if (error instanceof ConfigError) return;
    throw error;
  }
  setAtPath(config, segments, value);
  const terminal = (config.terminal ?? {}) as Record<string, unknown>;
  const cwd = typeof terminal.cwd === "string" ? terminal.cwd : context.startDir;
  for (const [backend, refusals] of Object.entries(backendConfigRefusals)) {
    const [first] = refusals(terminal[backend], { env: context.env, cwd });
    if (first !== undefined) throw usageError(first);
  }
}

function setAtPath(target: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (next === null || typeof next !== "object" || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[segments[segments.length - 1]!] = value;
}
