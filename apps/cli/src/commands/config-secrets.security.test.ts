import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestHome, runBin, type BinResult, type TestHome } from "../cli.test-helpers.js";

// Credential-shaped values, assembled so no scanner takes this file for a leak.
const API_KEY = "plain-looking-provider-key-7f3a9c";
const ANTHROPIC_KEY = ["sk", "ant", "api03", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4"].join("-");

let t: TestHome;
beforeEach(() => {
  t = createTestHome();
});
afterEach(() => t.remove());

const run = (args: string[], env: Record<string, string> = {}) => runBin(args, { env: { ...t.env, ...env }, cwd: t.workdir });
const shown = (result: BinResult) => result.stdout + result.stderr;

describe("monoclaw config never shows a secret", () => {
  it("never prints an API key through config get of a subtree, of the key itself, or as JSON", async () => {
    t.writeConfig("providers:\n  openai:\n    api_key: ${TEST_OPENAI_KEY}\n    base_url: http://127.0.0.1:9999/v1\n");
    const env = { TEST_OPENAI_KEY: API_KEY };
    const results = [
      await run(["config", "get", "providers"], env),
      await run(["config", "get", "providers", "--json"], env),
      await run(["config", "get", "providers.openai"], env),
      await run(["config", "get", "providers.openai.api_key"], env),
      await run(["config", "get", "providers.openai.api_key", "--json"], env),
      await run(["config", "list"], env),
    ];
    for (const result of results) {
      expect(result.code).toBe(0);
      expect(shown(result)).not.toContain(API_KEY);
    }
    expect(results[0]!.stdout).toBe('openai:\n  api_key: "********"\n  base_url: http://127.0.0.1:9999/v1\n');
    expect(results[3]!.stdout).toBe("********\n");
    // Positive control: an ordinary value under the same provider is shown in full.
    expect((await run(["config", "get", "providers.openai.base_url"], env)).stdout).toBe("http://127.0.0.1:9999/v1\n");
    // A reference to a variable that is not set holds no secret: its name is shown, which says what to set.
    expect((await run(["config", "get", "providers.openai.api_key"])).stdout).toBe("${TEST_OPENAI_KEY}\n");
  });

  it("masks credential-shaped values and secret-named variables under terminal.*.env, whatever the key", async () => {
    t.writeConfig(`terminal:\n  host:\n    env:\n      MY_LLM: ${ANTHROPIC_KEY}\n      DEPLOY_TOKEN: abcdef123456\n      NODE_ENV: development\n`);
    const result = await run(["config", "get", "terminal.host.env"]);
    expect(result.code).toBe(0);
    expect(shown(result)).not.toContain(ANTHROPIC_KEY);
    expect(shown(result)).not.toContain("abcdef123456");
    expect(result.stdout).toBe('MY_LLM: "********"\nDEPLOY_TOKEN: "********"\nNODE_ENV: development\n');
  });

  it("never echoes a secret given to config set, yet writes it to the file", async () => {
    const set = await run(["config", "set", "providers.openai.api_key", API_KEY]);
    expect(set).toMatchObject({ code: 0, stdout: `providers.openai.api_key = ******** (${t.configFile})\n`, stderr: "" });
    expect(t.readConfig()).toContain(API_KEY); // positive control: the value did reach the file
    const again = await run(["config", "set", "providers.openai.api_key", API_KEY]);
    expect(again.stdout).toBe(`providers.openai.api_key is already ******** (${t.configFile})\n`);
    const shaped = await run(["config", "set", "terminal.host.env.MY_LLM", ANTHROPIC_KEY]);
    expect(shaped).toMatchObject({ code: 0, stdout: `terminal.host.env.MY_LLM = ******** (${t.configFile})\n` });
    const section = await run(["config", "set", "providers.other", `{api_key: ${API_KEY}, base_url: "http://127.0.0.1:1/v1"}`]);
    expect(section.code).toBe(0);
    expect(shown(section)).not.toContain(API_KEY);
    expect(section.stdout).toContain("http://127.0.0.1:1/v1");
    // Positive control: an ordinary value is echoed as given.
    expect((await run(["config", "set", "terminal.timeout", "300"])).stdout).toBe(`terminal.timeout = 300 (${t.configFile})\n`);
  });

  it("never quotes a secret in the error about an invalid value, and still quotes an ordinary one", async () => {
    const wrongKey = await run(["config", "set", "terminal.timeout", ANTHROPIC_KEY]);
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toContain('terminal.timeout is "********"');
    expect(shown(wrongKey)).not.toContain(ANTHROPIC_KEY);

    const badYaml = await run(["config", "set", "providers.openai.api_key", `[${API_KEY}`]);
    expect(badYaml.code).toBe(2);
    expect(badYaml.stderr).toContain("the value ******** is not valid YAML");
    expect(shown(badYaml)).not.toContain(API_KEY);

    t.writeConfig("providers:\n  openai:\n    api_key: 12345678\n");
    const inFile = await run(["config", "list"]);
    expect(inFile.code).toBe(2);
    expect(inFile.stderr).toContain('providers.openai.api_key is "********"');
    expect(shown(inFile)).not.toContain("12345678");

    // Positive control: a value that is no secret is quoted, so the user sees what was wrong.
    t.writeConfig("");
    expect((await run(["config", "set", "terminal.timeout", "fast"])).stderr).toContain('terminal.timeout is "fast"');
  });

  it("doctor reports a bad secret value in the file without quoting it", async () => {
    t.writeConfig(`terminal:\n  timeout: ${ANTHROPIC_KEY}\n`);
    const result = await run(["doctor", "--json"]);
    expect(result.stdout).toContain("terminal.timeout");
    expect(shown(result)).not.toContain(ANTHROPIC_KEY);
  });
});
