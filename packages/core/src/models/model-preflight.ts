import { resolveModel, type ModelSettings, type ResolvedModel } from "./model-registry.js";
import { ModelSetupError, isModelSetupError } from "./model-setup-error.js";

export interface PreflightOptions {
  /** Also contact the server (`GET <base>/models`). Default true. */
  checkReachable?: boolean;
  /** Milliseconds before the server counts as unreachable. Default 5000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type PreflightResult = { ok: true; resolved: ResolvedModel } | { ok: false; error: ModelSetupError };

/**
 * Checks, before any work starts, that the model can be used: the model
 * string parses, a key is there when the provider needs one, and (unless
 * `checkReachable: false`) the server answers. Never throws for a setup
 * problem: it returns `{ ok: false, error }` whose message names the
 * variable or config key to set.
 *
 * Reachability is `GET <baseURL>/models` with the key: any HTTP answer counts
 * as reachable except 401/403, which report the key as rejected. No tokens
 * are spent.
 */
export async function preflightModel(settings: ModelSettings, options: PreflightOptions = {}): Promise<PreflightResult> {
  let resolved: ResolvedModel;
  try {
    resolved = resolveModel(settings);
  } catch (error) {
    if (isModelSetupError(error)) return { ok: false, error };
    throw error;
  }
  if (options.checkReachable === false) return { ok: true, resolved };
  const problem = await probe(resolved, settings, options);
  return problem === undefined ? { ok: true, resolved } : { ok: false, error: problem };
}

function urlSetting(resolved: ResolvedModel, settings: ModelSettings): string {
  if (settings.providers?.[resolved.provider]?.base_url) return `providers.${resolved.provider}.base_url`;
  if (resolved.kind === "anthropic") return "ANTHROPIC_BASE_URL";
  if (resolved.kind === "openai") return "OPENAI_BASE_URL";
  return `providers.${resolved.provider}.base_url`;
}

async function probe(resolved: ResolvedModel, settings: ModelSettings, options: PreflightOptions): Promise<ModelSetupError | undefined> {
  const headers: Record<string, string> = {};
  if (resolved.apiKey !== undefined) {
    if (resolved.kind === "anthropic") {
      headers["x-api-key"] = resolved.apiKey;
      headers["anthropic-version"] = "2023-06-01";
    } else {
      headers.authorization = `Bearer ${resolved.apiKey}`;
    }
  }
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 5000);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const target = `${resolved.baseURL}/models`;
  let status: number;
  try {
    const response = await fetch(target, { headers, signal });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    const setting = urlSetting(resolved, settings);
    const why = timeout.aborted ? `no answer within ${options.timeoutMs ?? 5000} ms` : describeNetworkError(error);
    return new ModelSetupError(
      "UNREACHABLE",
      `Cannot reach the ${resolved.provider} server at ${resolved.baseURL} for ${settings.model} (${why}). Start the server or fix ${setting}.`,
      { setting, cause: error },
    );
  }
  if (status === 401 || status === 403) {
    const setting = resolved.apiKeySource ?? `providers.${resolved.provider}.api_key`;
    return new ModelSetupError(
      "KEY_REJECTED",
      resolved.apiKey === undefined
        ? `The ${resolved.provider} server at ${resolved.baseURL} wants an API key (HTTP ${status}): set ${setting}.`
        : `The ${resolved.provider} server at ${resolved.baseURL} rejected the API key from ${setting} (HTTP ${status}). Check ${setting}.`,
      { setting },
    );
  }
  return undefined;
}

/** `fetch failed` hides the reason in `cause`: ECONNREFUSED, ENOTFOUND... */
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code !== undefined) return cause.code;
  if (cause?.message !== undefined) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
