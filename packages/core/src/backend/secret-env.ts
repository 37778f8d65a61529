/** Name endings that mark a variable as a secret (compared case-insensitively). */
export const SECRET_ENV_SUFFIXES: readonly string[] = [
  "_API_KEY",
  "_APIKEY",
  "_ACCESS_KEY",
  "_SECRET_KEY",
  "_PRIVATE_KEY",
  "_TOKEN",
  "_SECRET",
  "_PASSWORD",
  "_PASSWD",
  "_PASS",
  "_PWD",
  "_CREDENTIALS",
  "_AUTH",
];

/** Name beginnings that mark a whole family as secret (compared case-insensitively). */
export const SECRET_ENV_PREFIXES: readonly string[] = ["MOM_SLACK_"];

/** Well-known secrets whose names the patterns above miss, or that are worth naming explicitly. */
export const SECRET_ENV_NAMES: readonly string[] = [
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "NPM_TOKEN",
  "NODE_AUTH_TOKEN",
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY",
  "PGPASSWORD",
  "MYSQL_PWD",
  "TOKEN",
  "SECRET",
  "PASSWORD",
  "API_KEY",
  "APIKEY",
];

const SECRET_NAMES = new Set(SECRET_ENV_NAMES);

/**
 * Whether a variable name looks like a secret: it ends in `_API_KEY`,
 * `_TOKEN`, `_SECRET`, `_PASSWORD`, `_PASS`, ... (see
 * {@link SECRET_ENV_SUFFIXES}), starts with `MOM_SLACK_`, or is a well-known
 * one such as `AWS_SECRET_ACCESS_KEY` or `PGPASSWORD`. Case-insensitive.
 * `PWD` and `OLDPWD` are not secrets.
 */
export function isSecretEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  if (upper === "PWD" || upper === "OLDPWD") return false;
  return (
    SECRET_NAMES.has(upper) ||
    SECRET_ENV_SUFFIXES.some((suffix) => upper.endsWith(suffix)) ||
    SECRET_ENV_PREFIXES.some((prefix) => upper.startsWith(prefix))
  );
}

export interface ChildEnvOptions {
  /** The environment to start from, usually `process.env`. Undefined values are skipped. */
  base: Readonly<Record<string, string | undefined>>;
  /** Literal values added on top (a backend's `env` setting); never filtered. */
  env?: Readonly<Record<string, string>>;
  /** Names passed through from `base` even when they look secret (a backend's `forward_env` setting). */
  forwardEnv?: readonly string[];
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
 * {@link isSecretEnvName} flags, except the names in `forwardEnv`, plus
 * `env`. The result never holds a secret from `base` that was not asked for
 * by name; explicit `env` values always win.
 */
export function buildChildEnv(options: ChildEnvOptions): ChildEnv {
  const forward = new Set(options.forwardEnv ?? []);
  const env: Record<string, string> = {};
  const withheld: string[] = [];
  for (const [name, value] of Object.entries(options.base)) {
    if (value === undefined) continue;
    if (isSecretEnvName(name) && !forward.has(name)) {
      withheld.push(name);
      continue;
    }
    env[name] = value;
  }
  Object.assign(env, options.env ?? {});
  const missingForwards = [...forward].filter((name) => options.base[name] === undefined);
  return { env, withheld: withheld.sort(), missingForwards };
}
