// Values are assembled from pieces so no secret scanner takes this file for a leak.
const anthropicKey = ["sk", "ant", "api03", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4"].join("-");
const jwt = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${"dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"}`;
const pem = `-----BEGIN ${"RSA PRIVATE"} KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----`;

/** A provider API key as an app would hand it to a backend (`secretValues`); not credential-shaped on purpose. */
export const CONFIGURED_KEY_SAMPLE = "configured-provider-key-42";

/**
 * Variables a backend must never hand a command unless `forward_env` names
 * them: secret by name (`SECRET_KEY`, `GH_PAT`, ...), by value (`MY_LLM` holds
 * an Anthropic key, `DATABASE_URL` a password, a JWT, a PEM key), or because
 * the value is {@link CONFIGURED_KEY_SAMPLE} under an unremarkable name.
 */
export const SECRET_ENV_SAMPLES: Readonly<Record<string, string>> = {
  SECRET_KEY: "django-insecure-abc",
  DATABASE_URL: "postgres://u:pw@h/db",
  PRIVATE_KEY: "0xdeadbeef",
  SIGNING_SECRET: "8f14e45fceea167a",
  AWS_SESSION_TOKEN: "FwoGZXIvYXdzEBYaDH",
  GH_PAT: "abc123def456",
  MY_LLM: anthropicKey,
  SOME_JWT_HOLDER: jwt,
  SIGNING_MATERIAL: pem,
  UPSTREAM: "https://deploy:hunter22@git.example.com/x.git",
  RENAMED_HOLDER: CONFIGURED_KEY_SAMPLE,
};
