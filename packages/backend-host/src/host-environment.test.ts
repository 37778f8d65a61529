import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { capturedText } from "@monoclaw/core";
import { CONFIGURED_KEY_SAMPLE, SECRET_ENV_SAMPLES } from "@monoclaw/core/testing";
import { createHostBackend } from "./host-backend.js";
import { hostBackendFactory } from "./host-backend-factory.js";

const workspace = mkdtempSync(join(tmpdir(), "monoclaw-host-env-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const baseEnv = {
  PATH: process.env.PATH,
  HOME: "/home/someone",
  OPENAI_API_KEY: "sk-should-not-leak",
  MOM_SLACK_BOT_TOKEN: "xoxb-should-not-leak",
  DB_PASSWORD: "hunter2",
  GITHUB_TOKEN: "ghp-forwarded",
};
const show =
  'printf "%s|%s|%s|%s|%s|%s\\n" "$HOME" "${OPENAI_API_KEY-unset}" "${MOM_SLACK_BOT_TOKEN-unset}" "${DB_PASSWORD-unset}" "${GITHUB_TOKEN-unset}" "${EXTRA-unset}"';

describe("host backend environment", () => {
  const backend = createHostBackend({ cwd: workspace, baseEnv, forwardEnv: ["GITHUB_TOKEN"], env: { EXTRA: "from config" } });
  afterAll(() => backend.dispose());

  it("withholds secrets, passes forward_env names and adds configured env (exec)", async () => {
    const result = await backend.exec(show);
    expect(capturedText(result.stdout)).toBe("/home/someone|unset|unset|unset|ghp-forwarded|from config\n");
  });

  it("does the same in shell sessions, and per-command env wins", async () => {
    const session = await backend.openSession();
    try {
      expect(capturedText((await session.exec(show)).stdout)).toBe("/home/someone|unset|unset|unset|ghp-forwarded|from config\n");
      expect(capturedText((await session.exec('echo "$EXTRA"', { env: { EXTRA: "per command" } })).stdout)).toBe("per command\n");
    } finally {
      await session.close();
    }
  });

  it("reports how many secrets it withholds, never their values", async () => {
    const checks = await backend.healthChecks();
    const secrets = checks.find((check) => check.id === "host.secrets");
    expect(secrets?.message).toBe("3 secret-looking variables withheld from commands (DB_PASSWORD, MOM_SLACK_BOT_TOKEN, OPENAI_API_KEY)");
    expect(JSON.stringify(checks)).not.toContain("leak");
    const status = await backend.status();
    expect(status).toMatchObject({ backend: "host", available: true, details: { withheldSecrets: 3 } });
  });

  it("rejects an invalid configured variable name with a clear error", () => {
    expect(() => createHostBackend({ env: { "NOT VALID": "x" } })).toThrow(/terminal\.host\.env: "NOT VALID" is not a valid environment variable name/);
  });
});

const leakedEnv = SECRET_ENV_SAMPLES;
const configuredKey = CONFIGURED_KEY_SAMPLE;

describe("host backend secret filtering by name and by value", () => {
  const backend = createHostBackend({
    cwd: workspace,
    baseEnv: { PATH: process.env.PATH, HOME: "/home/someone", FOO: "bar", ...leakedEnv },
    secretValues: [configuredKey],
  });
  afterAll(() => backend.dispose());
  const childEnv = async (): Promise<Map<string, string>> => {
    // The real `env` program, run by the backend: what a command actually inherits.
    const result = await backend.exec("env");
    expect(result.exitCode).toBe(0);
    return new Map(
      capturedText(result.stdout)
        .split("\n")
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
  };

  it.each(Object.keys(leakedEnv))("never hands %s to a command's environment", async (name) => {
    const env = await childEnv();
    expect(env.has(name)).toBe(false);
    // Positive control: the same child saw the ordinary variables.
    expect(env.get("PATH")).toBe(process.env.PATH);
    expect(env.get("HOME")).toBe("/home/someone");
    expect(env.get("FOO")).toBe("bar");
  });

  it("never shows any withheld value anywhere in the child's environment, in a session too", async () => {
    const session = await backend.openSession();
    try {
      const text = capturedText((await session.exec("env")).stdout);
      for (const value of Object.values(leakedEnv)) expect(text).not.toContain(value);
      expect(text).toContain("FOO=bar");
    } finally {
      await session.close();
    }
  });
});

describe("host backend factory", () => {
  it("withholds a configured provider key the app hands it, under whatever name it sits", async () => {
    const backend = hostBackendFactory.create(hostBackendFactory.configSchema.parse({}), {
      terminal: { cwd: workspace, timeoutMs: 60_000 },
      env: { PATH: process.env.PATH, MY_LLM: configuredKey, FOO: "bar" },
      secretValues: [configuredKey],
    });
    try {
      const text = capturedText((await backend.exec("env")).stdout);
      expect(text).not.toContain(configuredKey);
      expect(text).toContain("FOO=bar");
    } finally {
      await backend.dispose();
    }
  });
});
