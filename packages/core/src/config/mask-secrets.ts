import { isSecretEnvName, looksLikeSecretValue } from "../backend/secret-env.js";

const UNEXPANDED_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/; // never with a `:-default`, which may be a literal key

/** What a secret config value is shown as. */
export const MASKED_VALUE = "********";

/**
 * Whether a config value must not be shown: its key (the last segment, such
 * as `api_key`, or an env name under `terminal.*.env`) looks secret by the
 * same rule as environment variables, or the value itself looks like a
 * credential (`sk-...`, `ghp_...`, a URL with a password, ...).
 */
export function isSecretConfigValue(key: PropertyKey | undefined, value: unknown): boolean {
  if (typeof value !== "string" && typeof value !== "number") return false;
  // Empty, or a `${VAR}` left unexpanded (the variable is not set): nothing secret to hide, and the name helps.
  if (value === "" || (typeof value === "string" && UNEXPANDED_REFERENCE.test(value))) return false;
  return (typeof key === "string" && isSecretEnvName(key)) || (typeof value === "string" && looksLikeSecretValue(value));
}

/**
 * A copy of a config value (a whole section or one leaf) safe to print:
 * every secret in it (see {@link isSecretConfigValue}) becomes
 * {@link MASKED_VALUE}. `key` is the name the value sits under, for a leaf.
 */
export function maskSecrets(value: unknown, key?: PropertyKey): unknown {
  if (isSecretConfigValue(key, value)) return MASKED_VALUE;
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, key));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, maskSecrets(item, name)]));
  }
  return value;
}
