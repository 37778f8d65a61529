import { userHome, type Env } from "./config-home.js";

/** What {@link expandString} did with a string. */
export interface ExpandResult {
  value: string;
  /** Names of `${VAR}` references that are not set and have no default, in order of appearance. */
  missing: string[];
}

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expands a config string the way a shell user expects:
 * - `~` alone or a leading `~/` becomes the home directory (`$HOME`);
 * - `${VAR}` becomes the variable's value; `${VAR:-default}` uses `default`
 *   when VAR is unset or empty;
 * - `$${` is an escape for a literal `${`.
 *
 * Nothing else is touched: `$VAR` without braces, `~user`, a `~` in the
 * middle. A reference to an unset variable without a default is left as
 * written and reported in `missing`; the caller decides whether that is an
 * error (the config loader makes it one).
 */
export function expandString(input: string, env: Env = process.env): ExpandResult {
  const missing: string[] = [];
  const value = expandTilde(input, env).replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return "${";
    const found = env[name];
    if (fallback !== undefined) return found === undefined || found === "" ? fallback : found;
    if (found === undefined) {
      missing.push(name);
      return match;
    }
    return found;
  });
  return { value, missing };
}

function expandTilde(input: string, env: Env): string {
  if (input !== "~" && !input.startsWith("~/")) return input;
  const home = userHome(env).replace(/\/+$/, "");
  return input === "~" ? home || "/" : home + input.slice(1);
}

/** A `${VAR}` reference to an unset variable, and where it is. */
export interface MissingVariable {
  path: PropertyKey[];
  name: string;
}

/**
 * Applies {@link expandString} to every string value (never to keys) in plain
 * data, returning a new value and the unset variables it referenced.
 */
export function expandStrings(data: unknown, env: Env = process.env): { value: unknown; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  const walk = (value: unknown, path: PropertyKey[]): unknown => {
    if (typeof value === "string") {
      const result = expandString(value, env);
      for (const name of result.missing) missing.push({ path, name });
      return result.value;
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]));
    }
    return value;
  };
  return { value: walk(data, []), missing };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype;
}
