import { describe, expect, it } from "vitest";
import { CONFIGURED_KEY_SAMPLE, SECRET_ENV_SAMPLES } from "../testing/secret-env-samples.js";
import { buildChildEnv, isSecretEnvName, isSecretVariable, looksLikeSecretValue } from "./secret-env.js";

// Credential-shaped test values, built so no scanner mistakes this file for a leak.
const anthropicKey = ["sk", "ant", "api03", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4"].join("-");
const openaiKey = ["sk", "proj", "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2"].join("-");
const githubPat = `${"github"}_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz`;
const ghp = `gh${"p"}_${"a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"}`;
const jwt = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${"dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"}`;
const pem = `-----BEGIN ${"RSA PRIVATE"} KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----`;

describe("isSecretEnvName", () => {
  it.each([
    "OPENAI_API_KEY",
    "anthropic_api_key",
    "GITHUB_TOKEN",
    "SLACK_BOT_TOKEN",
    "MY_SECRET",
    "DB_PASSWORD",
    "SMTP_PASS",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "MOM_SLACK_APP_TOKEN",
    "MOM_SLACK_ANYTHING",
    "PGPASSWORD",
    "MYSQL_PWD",
    "GCP_PRIVATE_KEY",
    "SECRET_KEY",
    "PRIVATE_KEY",
    "SIGNING_SECRET",
    "GH_PAT",
    "SENTRY_DSN",
    "SSH_KEY",
    "MYTOKEN",
    "ACCESSTOKEN",
    "REFRESH_TOKEN_V2",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "DOCKER_PASSWD",
    "KEY",
    "api_key",
    "token",
    "password",
    "signing-secret",
  ])("%s is a secret", (name) => expect(isSecretEnvName(name)).toBe(true));

  it.each([
    "PATH",
    "HOME",
    "PWD",
    "OLDPWD",
    "LANG",
    "TERM",
    "SSH_AUTH_SOCK",
    "TOKENIZERS_PARALLELISM",
    "PASSWORD_STORE_DIR",
    "KEYBOARD",
    "FOO",
    "DATABASE_URL",
    "image",
    "base_url",
  ])("%s is not a secret", (name) => expect(isSecretEnvName(name)).toBe(false));
});

describe("looksLikeSecretValue", () => {
  it.each([
    ["an Anthropic key", anthropicKey],
    ["an OpenAI key", openaiKey],
    ["a key after Bearer", `Bearer ${openaiKey}`],
    ["a GitHub classic token", ghp],
    ["a GitHub OAuth token", `gh${"o"}_${"a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"}`],
    ["a GitHub fine-grained token", githubPat],
    ["a Slack bot token", `xox${"b"}-1234567890-0987654321-AbCdEfGh`],
    ["a Slack user token", `xox${"p"}-1234567890-0987654321-AbCdEfGh`],
    ["a Slack app token", `xap${"p"}-1-A0123456789-1234567890-abcdef`],
    ["an AWS access key id", `AKI${"A"}IOSFODNN7EXAMPLE`],
    ["a GitLab token", `glpa${"t"}-abcdefghij0123456789`],
    ["a JWT", jwt],
    ["a PEM private key", pem],
    ["an OpenSSH private key", `-----BEGIN ${"OPENSSH PRIVATE"} KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n`],
    ["a database URL with a password", "postgres://u:pw@h/db"],
    ["an https URL with a password", "https://deploy:s3cret@example.com/repo.git"],
  ])("flags %s", (_what, value) => expect(looksLikeSecretValue(value)).toBe(true));

  it.each([
    ["a path", "/usr/local/bin:/usr/bin:/bin"],
    ["a path with sk- in a directory name", "/opt/sk-learn-tools-and-more-stuff/bin"],
    ["a short sk- word", "sk-SK"],
    ["a URL without a password", "postgres://u@h/db"],
    ["a URL with a port", "http://localhost:8080/path@x"],
    ["a locale", "sk_SK.UTF-8"],
    ["an ordinary word", "bar"],
    ["a PEM certificate (public)", "-----BEGIN CERTIFICATE-----\nMIIB\n"],
  ])("does not flag %s", (_what, value) => expect(looksLikeSecretValue(value)).toBe(false));
});

describe("isSecretVariable", () => {
  it("flags a configured key in a variable with an unusual name, and only values that hold one", () => {
    expect(isSecretVariable("MY_LLM", "plain-looking-key-123", ["plain-looking-key-123"])).toBe(true);
    expect(isSecretVariable("HEADER", "Authorization: plain-looking-key-123", ["plain-looking-key-123"])).toBe(true);
    expect(isSecretVariable("FOO", "bar", ["plain-looking-key-123", undefined])).toBe(false);
    // A short configured key (such as a placeholder) would match ordinary values: ignored.
    expect(isSecretVariable("FOO", "bar", ["bar"])).toBe(false);
  });
});

describe("buildChildEnv", () => {
  const base = { PATH: "/bin", HOME: "/root", OPENAI_API_KEY: "sk-1", GITHUB_TOKEN: "ghp", MOM_SLACK_BOT_TOKEN: "xoxb", EMPTY: undefined };

  it("drops secrets and reports their names, never values", () => {
    const { env, withheld } = buildChildEnv({ base });
    expect(env).toEqual({ PATH: "/bin", HOME: "/root" });
    expect(withheld).toEqual(["GITHUB_TOKEN", "MOM_SLACK_BOT_TOKEN", "OPENAI_API_KEY"]);
  });

  it("passes forward_env names through and adds explicit env on top", () => {
    const { env, withheld, missingForwards } = buildChildEnv({
      base,
      forwardEnv: ["GITHUB_TOKEN", "NOT_SET"],
      env: { PATH: "/custom", DEPLOY_TOKEN: "explicit" },
    });
    expect(env).toEqual({ PATH: "/custom", HOME: "/root", GITHUB_TOKEN: "ghp", DEPLOY_TOKEN: "explicit" });
    expect(withheld).toEqual(["MOM_SLACK_BOT_TOKEN", "OPENAI_API_KEY"]);
    expect(missingForwards).toEqual(["NOT_SET"]);
  });

  it.each(Object.keys(SECRET_ENV_SAMPLES))("withholds %s (by name, by value, or as a configured key)", (name) => {
    const { env, withheld } = buildChildEnv({
      base: { PATH: "/bin", HOME: "/root", FOO: "bar", ...SECRET_ENV_SAMPLES },
      secretValues: [CONFIGURED_KEY_SAMPLE],
    });
    expect(env[name]).toBeUndefined();
    expect(withheld).toContain(name);
    // Positive control: ordinary variables survive the same filter.
    expect(env).toMatchObject({ PATH: "/bin", HOME: "/root", FOO: "bar" });
  });

  it("keeps forward_env's explicit opt-in even for a credential-shaped value", () => {
    const { env } = buildChildEnv({ base: { MY_LLM: anthropicKey }, forwardEnv: ["MY_LLM"], secretValues: [anthropicKey] });
    expect(env).toEqual({ MY_LLM: anthropicKey });
  });
});
