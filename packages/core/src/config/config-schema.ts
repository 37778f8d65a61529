import { resolve } from "node:path";
import { z } from "zod";
import type { BackendFactory } from "../backend/backend-factory.js";
import { durationRangeText, isTimerDurationSeconds } from "../backend/timer-duration.js";

/** How commands that look destructive are handled: ask the user, never ask (run them), always ask. */
export const APPROVAL_MODES = ["ask", "never", "always"] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

/** `terminal.backend` when the file does not say. */
export const DEFAULT_BACKEND = "host";
/** `terminal.timeout` when the file does not say, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 180;
/** `terminal.approvals` when the file does not say. */
export const DEFAULT_APPROVALS: ApprovalMode = "ask";

/** `providers.<name>`: credentials and endpoint of one model provider. */
export interface ProviderConfig {
  /** API key; `${VAR}` references are expanded. Falls back to the provider's usual variable. */
  api_key?: string;
  /** Base URL of the provider's API (required for `openai-compatible` servers). */
  base_url?: string;
  /** Tokens the model accepts, when MonoClaw does not know the model (used for compaction). */
  context_window?: number;
}

/**
 * `terminal`: where and how commands run. Besides the keys below it holds one
 * section per registered backend (`terminal.host`, `terminal.docker`, ...),
 * each already parsed by that backend's `configSchema`, defaults included.
 */
export interface TerminalConfig {
  /** Name of the backend commands run in. */
  backend: string;
  /** Absolute host directory MonoClaw works in. */
  cwd: string;
  /** Default per-command timeout in seconds. */
  timeout: number;
  approvals: ApprovalMode;
  [backendSection: string]: unknown;
}

/** The validated, expanded configuration with every default applied. */
export interface MonoclawConfig {
  /** `provider/model-id`, e.g. `anthropic/claude-sonnet-4-5`; absent when not configured. */
  model?: string;
  providers: Record<string, ProviderConfig>;
  terminal: TerminalConfig;
}

export interface ConfigSchemaOptions {
  /** The backends the app knows; `terminal.backend` must name one of them. */
  factories: readonly BackendFactory[];
  /** The directory the app was started in: the default `terminal.cwd`, and what relative paths resolve against. */
  startDir: string;
}

/** Keys of `terminal` that are settings, not backend sections. */
export const TERMINAL_SETTING_KEYS = ["backend", "cwd", "timeout", "approvals"] as const;

const TIMEOUT_RANGE = durationRangeText();
const MODEL_PATTERN = /^[^/\s]+\/\S+$/;
const URL_ALLOWED = "an http(s) URL, e.g. http://localhost:11434/v1";

/** An http(s) URL (an unexpanded `${VAR}` under `providers` is left for the model registry). */
function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/** A section that may be absent or written as an empty key (`docker:`): both mean `{}`. */
function section<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null || value === undefined ? {} : value), schema);
}

/**
 * The schema of the whole config file, composed from the app's backends: the
 * loader never knows a backend's fields, it validates `terminal.<name>` with
 * that backend's `configSchema`. Every backend's section is validated (and
 * given its defaults), not only the selected one, so a mistake is reported
 * before the user switches to that backend.
 */
export function createConfigSchema({ factories, startDir }: ConfigSchemaOptions): z.ZodType<MonoclawConfig> {
  const names = factories.map((factory) => factory.name);
  for (const name of names) {
    if ((TERMINAL_SETTING_KEYS as readonly string[]).includes(name)) {
      throw new Error(`A backend cannot be named "${name}": terminal.${name} is a setting.`);
    }
  }
  const backendList = names.length === 0 ? "(no backend is registered)" : names.join(", ");
  const defaultBackend = names.includes(DEFAULT_BACKEND) ? DEFAULT_BACKEND : names[0];

  const backend = z
    .string({ error: `the name of a backend: ${backendList}` })
    .refine((name) => names.includes(name), { error: `the name of a backend: ${backendList}` });

  const terminal = z.object({
    backend: defaultBackend === undefined ? backend : backend.default(defaultBackend),
    cwd: z
      .string({ error: "a directory path (absolute, or relative to where monoclaw starts)" })
      .min(1, { error: "a directory path (absolute, or relative to where monoclaw starts)" })
      .default(startDir)
      .transform((path) => resolve(startDir, path)),
    // Node's timers overflow above about 24.8 days (every command would be ended at once).
    timeout: z
      .number({ error: TIMEOUT_RANGE })
      .refine((seconds) => isTimerDurationSeconds(seconds), { error: TIMEOUT_RANGE })
      .default(DEFAULT_TIMEOUT_SECONDS),
    approvals: z.enum(APPROVAL_MODES, { error: APPROVAL_MODES.join(", ") }).default(DEFAULT_APPROVALS),
    ...Object.fromEntries(factories.map((factory) => [factory.name, section(factory.configSchema)])),
  });

  const provider = z.object({
    api_key: z.string({ error: "a string (an API key, or ${VAR} to read it from the environment)" }).min(1).optional(),
    base_url: z
      .string({ error: URL_ALLOWED })
      .refine((value) => value.includes("${") || isHttpUrl(value), { error: URL_ALLOWED })
      .optional(),
    context_window: z.number({ error: "a whole number of tokens greater than 0" }).int().positive().optional(),
  });

  const root = z.object({
    model: z
      .string({ error: "provider/model-id, e.g. anthropic/claude-sonnet-4-5" })
      .regex(MODEL_PATTERN, { error: "provider/model-id, e.g. anthropic/claude-sonnet-4-5" })
      .optional(),
    providers: section(z.record(z.string(), section(provider))),
    terminal: section(terminal),
  });
  return root as unknown as z.ZodType<MonoclawConfig>;
}
