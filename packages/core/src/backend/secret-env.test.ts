import { describe, expect, it } from "vitest";
import { buildChildEnv, isSecretEnvName } from "./secret-env.js";

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
  ])("%s is a secret", (name) => expect(isSecretEnvName(name)).toBe(true));

  it.each(["PATH", "HOME", "PWD", "OLDPWD", "LANG", "TERM", "SSH_AUTH_SOCK", "TOKENIZERS_PARALLELISM", "PASSWORD_STORE_DIR", "KEYBOARD"])(
    "%s is not a secret",
    (name) => expect(isSecretEnvName(name)).toBe(false),
  );
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
});
