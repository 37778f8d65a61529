/**
 * What MonoClaw assumes about a model it has no other word on: the size of
 * its context window (for compaction) and whether it reads images. A
 * `providers.<name>.context_window` setting overrides the window.
 */
export interface ModelCapabilities {
  /** Tokens the model accepts in one request. */
  contextWindow: number;
  /** Whether images can be sent to it. */
  vision: boolean;
}

/** Context window assumed for a model not listed below (local models are often small). */
export const DEFAULT_CONTEXT_WINDOW = 32_768;

/** Prefix of a model id -> capabilities. The first matching prefix wins, so longer prefixes come first. */
const KNOWN_MODELS: Array<[prefix: string, capabilities: ModelCapabilities]> = [
  ["claude-", { contextWindow: 200_000, vision: true }],
  ["gpt-4.1", { contextWindow: 1_047_576, vision: true }],
  ["gpt-5", { contextWindow: 400_000, vision: true }],
  ["gpt-4o", { contextWindow: 128_000, vision: true }],
  ["gpt-4-turbo", { contextWindow: 128_000, vision: true }],
  ["gpt-4", { contextWindow: 8_192, vision: false }],
  ["gpt-3.5", { contextWindow: 16_385, vision: false }],
  ["o1", { contextWindow: 200_000, vision: true }],
  ["o3", { contextWindow: 200_000, vision: true }],
  ["o4", { contextWindow: 200_000, vision: true }],
];

/**
 * Capabilities of `modelId`. The id may carry a vendor prefix
 * (`anthropic/claude-...` on OpenRouter); the last path segment is matched.
 */
export function modelCapabilities(modelId: string): ModelCapabilities {
  const bare = (modelId.split("/").at(-1) ?? modelId).toLowerCase();
  for (const [prefix, capabilities] of KNOWN_MODELS) {
    if (bare.startsWith(prefix)) return capabilities;
  }
  return { contextWindow: DEFAULT_CONTEXT_WINDOW, vision: false };
}
