/** Values shorter than this are never treated as secrets (they would match ordinary words). */
export const MIN_SECRET_LENGTH = 6;

/** Name endings that mark a variable as a secret (compared case-insensitively). */
export const SECRET_ENV_SUFFIXES: readonly string[] = ["_KEY", "_APIKEY", "_PAT", "_DSN", "_PASS", "_PWD", "_AUTH"];

/** Words anywhere in a name that mark it as a secret (compared case-insensitively). */
export const SECRET_ENV_SUBSTRINGS: readonly string[] = ["SECRET", "PASSWORD", "PASSWD", "TOKEN", "CREDENTIAL", "PRIVATE_KEY", "APIKEY"];

/** Name beginnings that mark a whole family as secret (compared case-insensitively). */
export const SECRET_ENV_PREFIXES: readonly string[] = ["MOM_SLACK_", "PRIVATE"];

/** Bare names that are secrets although no pattern above matches them. */
export const SECRET_ENV_NAMES: readonly string[] = ["KEY", "DSN", "PAT", "AUTH"];

/**
 * Names a pattern above matches that are well-known settings, not secrets
 * (`PWD` is the working directory, `PASSWORD_STORE_DIR` is where `pass` keeps
 * its store). Their values are still checked by {@link looksLikeSecretValue}.
 */
export const NOT_SECRET_ENV_NAMES: readonly string[] = ["PWD", "OLDPWD", "TOKENIZERS_PARALLELISM", "PASSWORD_STORE_DIR"];

const SECRET_NAMES = new Set(SECRET_ENV_NAMES);
const NOT_SECRET_NAMES = new Set(NOT_SECRET_ENV_NAMES);

/**
 * Whether a variable name (or a config key such as `api_key`) looks like a
 * secret: it ends in `_KEY`, `_PAT`, `_DSN`, `_PASS`, ..., contains `SECRET`,
 * `PASSWORD`, `TOKEN`, `CREDENTIAL`, ..., or starts with `PRIVATE` or
 * `MOM_SLACK_`. Case-insensitive; `-` and `.` count as `_`, so config keys and
 * env names follow one rule. {@link NOT_SECRET_ENV_NAMES} are not secrets.
 */
export function isSecretEnvName(name: string): boolean {
  const upper = name.toUpperCase().replace(/[-.]/g, "_");
  if (NOT_SECRET_NAMES.has(upper)) return false;
  const word = `_${upper}`;
  return (
    SECRET_NAMES.has(upper) ||
    SECRET_ENV_SUFFIXES.some((suffix) => word.endsWith(suffix)) ||
    SECRET_ENV_SUBSTRINGS.some((part) => upper.includes(part)) ||
    SECRET_ENV_PREFIXES.some((prefix) => upper.startsWith(prefix))
  );
}

/**
 * Shapes of credentials, whatever the variable is called. A token must start
 * the value or follow a space, `=`, `:`, `,`, `;` or a quote (`Bearer sk-...`,
 * `key=ghp_...`), so a path such as `/opt/sk-learn-tools` is not one.
 */
const SECRET_VALUE_PATTERNS: readonly RegExp[] = [
  /(?:^|[\s=:,;"'])(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,})/, // OpenAI, Anthropic and compatible keys
  /(?:^|[\s=:,;"'])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/, // GitHub
  /(?:^|[\s=:,;"'])(?:xox[abposre]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,})/, // Slack
  /(?:^|[\s=:,;"'])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/, // AWS access key ids
  /(?:^|[\s=:,;"'])glpat-[A-Za-z0-9_-]{20,}/, // GitLab
  /(?:^|[\s=:,;"'])npm_[A-Za-z0-9]{36}/, // npm
  /(?:^|[\s=:,;"'])AIza[A-Za-z0-9_-]{35}/, // Google API keys
  /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/, // JWT (header.payload.signature)
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, // PEM private keys
  /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/, // URL with a password: scheme://user:pass@host
];

/**
 * Whether a value looks like a credential by its shape: a known key prefix
 * (`sk-`, `sk-ant-`, `ghp_`, `github_pat_`, `xoxb-`, `xapp-`, `AKIA`,
 * `glpat-`, ...), a JWT, a PEM private key, or a URL carrying a password.
 */
export function looksLikeSecretValue(value: string): boolean {
  return value.length >= MIN_SECRET_LENGTH && SECRET_VALUE_PATTERNS.some((pattern) => pattern.test(value));
}

/**
 * Whether a variable is a secret by its name ({@link isSecretEnvName}), by its
 * value's shape ({@link looksLikeSecretValue}), or because its value holds one
 * of `secretValues` (configured API keys, whatever variable they sit in).
 */
export function isSecretVariable(name: string, value: string, secretValues: readonly (string | undefined)[] = []): boolean {
  return (
    isSecretEnvName(name) ||
    looksLikeSecretValue(value) ||
    secretValues.some((secret) => secret !== undefined && secret.length >= MIN_SECRET_LENGTH && value.includes(secret))
  );
}

export interface ChildEnvOptions {
  /** The environment to start from, usually `process.env`. Undefined values are skipped. */
  base: Readonly<Record<string, string | undefined>>;
  /** Literal values added on top (a backend's `env` setting); never filtered. */
  env?: Readonly<Record<string, string>>;
  /** Names passed through from `base` even when they look secret (a backend's `forward_env` setting). */
  forwardEnv?: readonly string[];
  /** Values no variable from `base` may carry (configured provider API keys), whatever its name. */
  secretValues?: readonly (string | undefined)[];
}

/** What {@link buildChildEnv} produced. */
export interface ChildEnv {
  env: Record<string, string>;
  /** Names of `base` variables held back as secrets, sorted (for `doctor`; never their values). */
  withheld: string[];
  /** Names listed in `forwardEnv` that `base` did not have (worth a warning). */
  missingForwards: string[];
}

/**
 * The environment for commands a backend runs: `base` minus every variable
 * {@link isSecretVariable} flags (by name, by value shape, or holding one of
 * `secretValues`), except the names in `forwardEnv`, plus `env`. The result
 * never holds a secret from `base` that was not asked for by name; explicit
 * `env` values always win.
 */
export function buildChildEnv(options: ChildEnvOptions): ChildEnv {
  const forward = new Set(options.forwardEnv ?? []);
  const secretValues = options.secretValues ?? [];
  const env: Record<string, string> = {};
  const withheld: string[] = [];
  for (const [name, value] of Object.entries(options.base)) {
    if (value === undefined) continue;
    if (!forward.has(name) && isSecretVariable(name, value, secretValues)) {
      withheld.push(name);
      continue;
    }
    env[name] = value;
  }
  Object.assign(env, options.env ?? {});
  const missingForwards = [...forward].filter((name) => options.base[name] === undefined);
  return { env, withheld: withheld.sort(), missingForwards };
}
