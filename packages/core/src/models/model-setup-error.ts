/** Why a model cannot be used as configured. */
export type ModelSetupErrorCode =
  | "INVALID_MODEL"
  | "UNKNOWN_PROVIDER"
  | "MISSING_KEY"
  | "MISSING_BASE_URL"
  | "INVALID_BASE_URL"
  | "UNREACHABLE"
  | "KEY_REJECTED";

/**
 * A model setting that cannot work. The message is written for a person: it
 * names the model, what is wrong and the variable or config key to set.
 * `setting` is that variable or key (`ANTHROPIC_API_KEY`,
 * `providers.ollama.base_url`), when there is one.
 */
export class ModelSetupError extends Error {
  override readonly name = "ModelSetupError";
  readonly code: ModelSetupErrorCode;
  readonly setting: string | undefined;

  constructor(code: ModelSetupErrorCode, message: string, options?: { setting?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.setting = options?.setting;
  }
}

export function isModelSetupError(error: unknown, code?: ModelSetupErrorCode): error is ModelSetupError {
  return error instanceof ModelSetupError && (code === undefined || error.code === code);
}
