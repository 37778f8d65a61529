import { caTrustEnv, loadBoundSecrets, placeholderEnv, type BoundSecret, type SecretConfig } from "@monoclaw/backend-docker";

/** docker.sh's label on the proxy it makes with MOM_SECRETS: `{"NAME":["host",...]}`, names and hosts only, never a value. */
export const MOM_EGRESS_SECRETS_LABEL = "monoclaw.mom.egress-secrets";

/** Each secret's name and the hosts the proxy may send its value to. */
export type SecretBindings = Readonly<Record<string, readonly string[]>>;

/** The bindings in docker.sh's label (none when the label is absent: a sandbox made without MOM_SECRETS). */
export function parseSecretBindings(label: string | undefined, proxyName: string, recreate: string): SecretBindings {
  if (label === undefined || label === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(label);
  } catch {
    parsed = undefined;
  }
  const valid =
    typeof parsed === "object" &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((hosts) => Array.isArray(hosts) && hosts.length > 0 && hosts.every((host) => typeof host === "string"));
  if (!valid)
    throw new Error(`the ${MOM_EGRESS_SECRETS_LABEL} label of ${proxyName} is not what ./docker.sh writes ({"NAME":["host"]}). Recreate both: ${recreate}`);
  return parsed as SecretBindings;
}

/**
 * Reads each bound secret's real value from mom's own environment (docker.sh
 * recorded only its name) and derives the placeholder commands see. Fails
 * closed: a name that is unset or empty is an error naming the variable and
 * the fix; no message holds a value.
 */
export async function loadSandboxSecrets(bindings: SecretBindings, sandbox: string, env: Readonly<Record<string, string | undefined>>): Promise<BoundSecret[]> {
  const missing = Object.keys(bindings).find((name) => !env[name]);
  if (missing !== undefined)
    throw new Error(
      `container '${sandbox}' binds the secret ${missing} to ${bindings[missing]?.join(", ")} (MOM_SECRETS of ./docker.sh create), but ${missing} is not set in mom's environment: export ${missing}=<its value> before starting mom`,
    );
  const secrets: Record<string, SecretConfig> = Object.fromEntries(
    Object.entries(bindings).map(([name, hosts]) => [name, { from_env: name, hosts: [...hosts] }]),
  );
  // Its errors name the config key (terminal.docker.secrets.NAME): mom's users set a variable, not a key.
  return loadBoundSecrets(secrets, sandbox, { env: { ...env }, cwd: process.cwd() }).catch((error: Error) => {
    throw new Error(error.message.replace(/^terminal\.docker\.secrets\.(\w+): /, "the secret $1 in mom's environment (MOM_SECRETS of ./docker.sh create): "));
  });
}

/** The variables every command gets: each secret's placeholder and the trust variables for the proxy's CA (none without secrets). */
export function secretCommandEnv(secrets: readonly BoundSecret[]): Record<string, string> {
  if (secrets.length === 0) return {};
  return Object.fromEntries(
    [...placeholderEnv(secrets), ...caTrustEnv()].map((entry) => {
      const at = entry.indexOf("=");
      return [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

/** For mom's log: names and hosts, never a value. */
export const describeSecrets = (secrets: readonly BoundSecret[]): string => secrets.map((secret) => `${secret.name} for ${secret.hosts.join(", ")}`).join("; ");
