import type { LanguageModel } from "ai";
import type { ProviderKind } from "../models/model-registry.js";

/**
 * The model an agent talks to. A {@link ResolvedModel} from `resolveModel`
 * fits as is; a bare AI SDK model works too (`{ model }`), with a 32k
 * context window assumed and no images.
 */
export interface AgentModel {
  model: LanguageModel;
  /** Tokens the model accepts; compaction starts near it. */
  contextWindow?: number;
  /** Whether images (from `read`) are sent to it. */
  vision?: boolean;
  /** Decides how images travel: inside tool results (Anthropic) or in a following user message (OpenAI chat). */
  kind?: ProviderKind;
  /** Redacted from tool output. */
  apiKey?: string;
  /** Shown in messages: `anthropic/claude-...`. */
  provider?: string;
  modelId?: string;
}
