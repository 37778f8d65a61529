import { preflightModel, type MonoclawConfig, type ResolvedModel } from "@monoclaw/core";
import { CliError, EXIT_FAILURE, EXIT_USAGE } from "../cli-error.js";

/**
 * Resolves `model` and checks it answers before any work starts (the
 * registry's preflight: key present, server reachable, key accepted).
 * Throws a {@link CliError} whose message names the variable or config key
 * to set: exit 2 for a setting to fix (bad model string, missing key or
 * URL, rejected key), exit 1 for a server that does not answer.
 */
export async function checkModel(
  model: string,
  config: MonoclawConfig,
  env: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): Promise<ResolvedModel> {
  const result = await preflightModel({ model, providers: config.providers, env }, signal === undefined ? {} : { signal });
  if (result.ok) return result.resolved;
  throw new CliError(result.error.message, {
    exitCode: result.error.code === "UNREACHABLE" ? EXIT_FAILURE : EXIT_USAGE,
    cause: result.error,
  });
}
