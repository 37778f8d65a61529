import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModel } from "ai";
import { modelCapabilities } from "./model-capabilities.js";
import { ModelSetupError } from "./model-setup-error.js";

/** One `providers.<name>` entry of the configuration. */
export interface ProviderSettings {
  /** API key; `${VAR}` is replaced with that variable's value. */
  api_key?: string;
  /** Server URL; for OpenAI-compatible servers the one ending in `/v1`. */
  base_url?: string;
  /** Tokens the model accepts, when MonoClaw does not know the model. */
  context_window?: number;
}

/** Plain inputs: what the config and command line say, and the environment. */
export interface ModelSettings {
  /** `<provider>/<model-id>`, e.g. `anthropic/claude-sonnet-4-5`, `ollama/qwen3:8b`, `openrouter/openai/gpt-4o`. */
  model: string;
  providers?: Record<string, ProviderSettings | undefined>;
  env?: Readonly<Record<string, string | undefined>>;
}

/** The wire protocol a provider speaks. */
export type ProviderKind = "anthropic" | "openai" | "openai-compatible";

/** A model ready for the agent. `apiKey` is returned so it can be redacted from tool output. */
export interface ResolvedModel {
  model: LanguageModel;
  /** The provider name as written (`anthropic`, `ollama`...). */
  provider: string;
  kind: ProviderKind;
  modelId: string;
  /** The base URL requests go to (ends in `/v1` for the built-in providers). */
  baseURL: string;
  apiKey: string | undefined;
  /** Where the key came from (`ANTHROPIC_API_KEY`, `providers.openai.api_key`), for messages. */
  apiKeySource: string | undefined;
  contextWindow: number;
  vision: boolean;
}

const DEFAULT_BASE_URLS: Record<"anthropic" | "openai", string> = {
  anthropic: "https://api.anthropic.com/v1",
  openai: "https://api.openai.com/v1",
};

/** Splits `provider/model-id` at the first slash. */
export function parseModelSpec(spec: string): { provider: string; modelId: string } {
  const slash = spec.indexOf("/");
  if (slash <= 0 || slash === spec.length - 1) {
    throw new ModelSetupError(
      "INVALID_MODEL",
      `Model "${spec}" is not of the form <provider>/<model-id>, e.g. anthropic/claude-sonnet-4-5, openai/gpt-4.1 or ollama/qwen3:8b. Set it with --model or the \`model\` key of the config.`,
      { setting: "model" },
    );
  }
  return { provider: spec.slice(0, slash), modelId: spec.slice(slash + 1) };
}

/** Replaces `${VAR}` in a configured value; a variable that is not set is an error naming both. */
function expand(value: string, key: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const found = env[name];
    if (found === undefined || found === "") {
      throw new ModelSetupError("MISSING_KEY", `${key} refers to \${${name}}, which is not set. Export ${name} or put the value in ${key}.`, {
        setting: name,
      });
    }
    return found;
  });
}

function checkURL(url: string, setting: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ModelSetupError("INVALID_BASE_URL", `${setting} is "${url}", which is not a URL. Use e.g. http://localhost:11434/v1.`, { setting });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ModelSetupError("INVALID_BASE_URL", `${setting} is "${url}": only http:// and https:// URLs work.`, { setting });
  }
  return url.replace(/\/+$/, "");
}

/**
 * Anthropic's own SDKs take `ANTHROPIC_BASE_URL` without `/v1`
 * (`https://proxy.example`); the AI SDK wants it with. A URL not ending in
 * `/v1` gets it appended.
 */
function anthropicBaseURL(url: string): string {
  return url.endsWith("/v1") ? url : `${url}/v1`;
}

/**
 * Turns `provider/model-id` into an AI SDK model. Never does I/O (see
 * {@link preflightModel} for the reachability check).
 *
 * - `anthropic/<id>`: Anthropic Messages API. Key: `providers.anthropic.api_key`,
 *   else `ANTHROPIC_API_KEY`. URL: `providers.anthropic.base_url`, else
 *   `ANTHROPIC_BASE_URL`, else api.anthropic.com (`/v1` appended when missing).
 * - `openai/<id>`: OpenAI **Chat Completions** (`/chat/completions`, not the
 *   Responses API), so `OPENAI_BASE_URL` can point at any proxy or gateway
 *   that speaks the widely implemented chat format. Key:
 *   `providers.openai.api_key`, else `OPENAI_API_KEY`; URL:
 *   `providers.openai.base_url`, else `OPENAI_BASE_URL`, else api.openai.com.
 * - `openai-compatible/<id>` and `<name>/<id>` for any other `providers.<name>`
 *   with a `base_url`: an OpenAI-compatible chat completions server (Ollama,
 *   vLLM, llama.cpp, LM Studio, OpenRouter). Key optional:
 *   `providers.<name>.api_key`, else `<NAME>_API_KEY` (e.g. `OPENROUTER_API_KEY`).
 *
 * Throws {@link ModelSetupError} naming the setting to fix: bad model string,
 * unknown provider, missing key or base URL.
 */
export function resolveModel(settings: ModelSettings): ResolvedModel {
  const env = settings.env ?? {};
  const { provider, modelId } = parseModelSpec(settings.model);
  const configured = settings.providers?.[provider] ?? {};
  const keySetting = `providers.${provider}.api_key`;
  const urlSetting = `providers.${provider}.base_url`;
  const configuredKey = configured.api_key === undefined || configured.api_key === "" ? undefined : expand(configured.api_key, keySetting, env);
  const configuredURL = configured.base_url === undefined || configured.base_url === "" ? undefined : expand(configured.base_url, urlSetting, env);
  const capabilities = modelCapabilities(modelId);
  const contextWindow = configured.context_window ?? capabilities.contextWindow;

  if (provider === "anthropic" || provider === "openai") {
    const envKeyName = provider === "anthropic" ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
    const envURLName = provider === "anthropic" ? "ANTHROPIC_BASE_URL" : "OPENAI_BASE_URL";
    const envKey = env[envKeyName] === "" ? undefined : env[envKeyName];
    const apiKey = configuredKey ?? envKey;
    if (apiKey === undefined) {
      throw new ModelSetupError("MISSING_KEY", `No API key for ${settings.model}: set ${envKeyName} in the environment or ${keySetting} in the config.`, {
        setting: envKeyName,
      });
    }
    const urlSource = configuredURL !== undefined ? urlSetting : env[envURLName] ? envURLName : undefined;
    const rawURL = configuredURL ?? (env[envURLName] || undefined);
    let baseURL = rawURL === undefined ? DEFAULT_BASE_URLS[provider] : checkURL(rawURL, urlSource ?? urlSetting);
    if (provider === "anthropic") baseURL = anthropicBaseURL(baseURL);
    const model = provider === "anthropic" ? createAnthropic({ apiKey, baseURL })(modelId) : createOpenAI({ apiKey, baseURL }).chat(modelId);
    return {
      model,
      provider,
      kind: provider,
      modelId,
      baseURL,
      apiKey,
      apiKeySource: configuredKey !== undefined ? keySetting : envKeyName,
      contextWindow,
      vision: capabilities.vision,
    };
  }

  if (configuredURL === undefined) {
    if (provider === "openai-compatible" || settings.providers?.[provider] !== undefined) {
      throw new ModelSetupError(
        "MISSING_BASE_URL",
        `${settings.model} needs the server's URL: set ${urlSetting} (e.g. http://localhost:11434/v1 for Ollama).`,
        { setting: urlSetting },
      );
    }
    throw new ModelSetupError(
      "UNKNOWN_PROVIDER",
      `Unknown provider "${provider}" in model "${settings.model}". Use anthropic/<id>, openai/<id>, or set ${urlSetting} to an OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio, OpenRouter).`,
      { setting: urlSetting },
    );
  }
  const baseURL = checkURL(configuredURL, urlSetting);
  const envKeyName = `${provider.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_API_KEY`;
  const envKey = env[envKeyName] === "" ? undefined : env[envKeyName];
  const apiKey = configuredKey ?? envKey;
  const model = createOpenAICompatible({
    name: provider,
    baseURL,
    includeUsage: true,
    ...(apiKey === undefined ? {} : { apiKey }),
  }).chatModel(modelId);
  return {
    model,
    provider,
    kind: "openai-compatible",
    modelId,
    baseURL,
    apiKey,
    apiKeySource: configuredKey !== undefined ? keySetting : apiKey !== undefined ? envKeyName : undefined,
    contextWindow: configured.context_window ?? capabilities.contextWindow,
    // Unknown servers may not take images: only models known to see get them.
    vision: capabilities.vision,
  };
}
