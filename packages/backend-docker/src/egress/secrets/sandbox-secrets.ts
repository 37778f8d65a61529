import type { SecretConfig } from "./secret-config.js";
import { secretPlaceholder } from "./secret-placeholder.js";
import { readSecretValues, type SecretSourceContext } from "./secret-values.js";

/** A secret as the egress proxy gets it: the value travels only into the proxy, never into the sandbox. */
export interface BoundSecret {
  name: string;
  /** What the sandbox sees under `name`. */
  placeholder: string;
  value: string;
  hosts: string[];
}

/** Reads the values (fails closed) and derives each secret's placeholder for this sandbox. */
export async function loadBoundSecrets(secrets: Record<string, SecretConfig>, sandbox: string, context: SecretSourceContext): Promise<BoundSecret[]> {
  const values = await readSecretValues(secrets, context);
  return Object.entries(secrets).map(([name, secret]) => {
    const value = values.get(name) ?? "";
    return { name, placeholder: secretPlaceholder(sandbox, name, value), value, hosts: [...secret.hosts] };
  });
}

/** `NAME=placeholder` for every command's environment. */
export const placeholderEnv = (secrets: readonly BoundSecret[]): string[] => secrets.map((secret) => `${secret.name}=${secret.placeholder}`);
