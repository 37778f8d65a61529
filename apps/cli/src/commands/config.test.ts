import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestHome, runBin, type TestHome } from "../cli.test-helpers.js";

let t: TestHome;
beforeEach(() => {
  t = createTestHome();
});
afterEach(() => t.remove());

const run = (...args: string[]) => runBin(args, { env: t.env, cwd: t.workdir });

const COMMENTED = `# my MonoClaw settings

terminal:
  # commands run here
  backend: host # or docker
  timeout: 60 # seconds
`;

describe("monoclaw config", () => {
  it("prints the path of the config file under MONOCLAW_HOME", async () => {
    expect(await run("config", "path")).toMatchObject({ code: 0, stdout: `${t.configFile}\n`, stderr: "" });
  });

  it("set, get and unset round-trip through the file, keeping its comments", async () => {
    t.writeConfig(COMMENTED);
    expect(await run("config", "set", "terminal.timeout", "300")).toMatchObject({ code: 0, stdout: `terminal.timeout = 300 (${t.configFile})\n` });
    expect(await run("config", "set", "terminal.approvals", "never")).toMatchObject({ code: 0 });
    expect(await run("config", "set", "model", "anthropic/claude-sonnet-4-5")).toMatchObject({ code: 0 });
    expect(await run("config", "set", "terminal.host", "{}")).toMatchObject({ code: 0 });
    expect(t.readConfig()).toBe(`# my MonoClaw settings

terminal:
  # commands run here
  backend: host # or docker
  timeout: 300 # seconds
  approvals: never
  host: {}
model: anthropic/claude-sonnet-4-5
`);
    expect(await run("config", "get", "terminal.timeout")).toMatchObject({ code: 0, stdout: "300\n" });
    expect(await run("config", "get", "model")).toMatchObject({ code: 0, stdout: "anthropic/claude-sonnet-4-5\n" });

    expect(await run("config", "unset", "terminal.timeout")).toMatchObject({ code: 0, stdout: `terminal.timeout removed (${t.configFile})\n` });
    expect(await run("config", "unset", "terminal.host")).toMatchObject({ code: 0 });
    expect(await run("config", "unset", "model")).toMatchObject({ code: 0 });
    expect(await run("config", "get", "terminal.timeout")).toMatchObject({ code: 0, stdout: "180\n" });
    expect(t.readConfig()).toBe(`# my MonoClaw settings

terminal:
  # commands run here
  backend: host # or docker
  approvals: never
`);
    expect(await run("config", "unset", "terminal.timeout")).toMatchObject({ code: 0, stdout: `terminal.timeout was not set (${t.configFile})\n` });
  });

  it("reads values as YAML: numbers, booleans, lists and strings", async () => {
    expect(await run("config", "set", "providers.local.base_url", "http://127.0.0.1:8080/v1")).toMatchObject({ code: 0, stderr: "" });
    expect(await run("config", "set", "providers.local.context_window", "8192")).toMatchObject({ code: 0, stderr: "" });
    expect(await run("config", "set", "terminal.docker.volumes", "[/a:/a, /b:/b]")).toMatchObject({ code: 0, stderr: "" });
    expect(await run("config", "set", "terminal.docker.keep_warm", "true")).toMatchObject({ code: 0, stderr: "" });
    expect(await run("config", "get", "terminal.docker.volumes")).toMatchObject({ code: 0, stdout: "- /a:/a\n- /b:/b\n" });
    expect(await run("config", "get", "terminal.docker.keep_warm")).toMatchObject({ code: 0, stdout: "true\n" });
    expect(await run("config", "get", "providers.local", "--json")).toMatchObject({
      code: 0,
      stdout: `${JSON.stringify({ base_url: "http://127.0.0.1:8080/v1", context_window: 8192 }, null, 2)}\n`,
    });
    expect(await run("config", "get", "providers.local.context_window")).toMatchObject({ stdout: "8192\n" });
  });

  it("creates the file and its directory on the first set", async () => {
    expect(await run("config", "set", "terminal.backend", "host")).toMatchObject({ code: 0 });
    expect(t.readConfig()).toBe("terminal:\n  backend: host\n");
  });

  it("keeps every edit when several `config set` run at once (they take turns on the file)", async () => {
    t.writeConfig(COMMENTED);
    const edits: Array<[string, string]> = [
      ["terminal.timeout", "300"],
      ["terminal.approvals", "never"],
      ["model", "anthropic/claude-sonnet-4-5"],
      ["terminal.docker.image", "debian:bookworm"],
      ["terminal.docker.network", "none"],
      ["terminal.docker.memory", "512m"],
      ["terminal.docker.cpus", "2"],
      ["terminal.docker.keep_warm", "true"],
    ];
    const results = await Promise.all(edits.map(([key, value]) => run("config", "set", key, value)));
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0, stderr: "" });
    for (const [key, value] of edits) expect(await run("config", "get", key)).toMatchObject({ code: 0, stdout: `${value}\n` });
    expect(t.readConfig()).toContain("  backend: host # or docker\n");
    expect(existsSync(`${t.configFile}.lock`)).toBe(false);
  });

  it("refuses an invalid value with one clear message, exit 2, and leaves the file byte-identical", async () => {
    t.writeConfig(COMMENTED);
    for (const [key, value] of [
      ["terminal.timeout", "soon"],
      ["terminal.timeout", "-1"],
      ["terminal.approvals", "sometimes"],
      ["terminal.backend", "ssh"],
      ["model", "no-slash"],
    ] as const) {
      const result = await run("config", "set", key, value);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain(`${t.configFile}`);
      expect(result.stderr).toContain(`${key} is `);
      expect(result.stderr).toContain("allowed: ");
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(t.readConfig()).toBe(COMMENTED);
    }
    const result = await run("config", "set", "terminal.approvals", "sometimes");
    expect(result.stderr).toBe(
      `monoclaw: ${t.configFile}: terminal.approvals is "sometimes"; allowed: ask, never, always; fix: give it an allowed value (\`monoclaw config set terminal.approvals <value>\`), or \`monoclaw config unset terminal.approvals\` for the default\n`,
    );
  });

  it("refuses unknown keys, naming the closest known key", async () => {
    const result = await run("config", "set", "terminal.timout", "5");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `monoclaw: ${t.configFile}: terminal.timout is not a known key; allowed: under terminal: backend, cwd, timeout, approvals, ${"host"}${result.stderr.includes("docker") ? ", docker" : ""}; fix: did you mean terminal.timeout?\n`,
    );
    expect((await run("config", "get", "termnal.backend")).stderr).toContain("did you mean terminal.backend?");
  });

  it("get exits 1 for a known key that has no value", async () => {
    expect(await run("config", "get", "model")).toMatchObject({
      code: 1,
      stdout: "",
      stderr: "monoclaw: model is not set (set it with `monoclaw config set model <value>`)\n",
    });
  });

  it("list prints the effective config with defaults, masking API keys, as YAML or JSON", async () => {
    t.writeConfig("providers:\n  openai:\n    api_key: ${TEST_OPENAI_KEY}\nterminal:\n  timeout: 42\n");
    const env = { ...t.env, TEST_OPENAI_KEY: "sk-very-secret" };
    const json = await runBin(["config", "list", "--json"], { env, cwd: t.workdir });
    expect(json.code).toBe(0);
    const config = JSON.parse(json.stdout) as { providers: unknown; terminal: Record<string, unknown> };
    expect(config.providers).toEqual({ openai: { api_key: "********" } });
    expect(config.terminal).toMatchObject({ backend: "host", cwd: t.workdir, timeout: 42, approvals: "ask" });
    expect(json.stdout).not.toContain("sk-very-secret");
    const yaml = await runBin(["config", "list"], { env, cwd: t.workdir });
    expect(yaml.stdout).toContain("  timeout: 42\n");
    expect(yaml.stdout).not.toContain("sk-very-secret");
    expect((await runBin(["config", "get", "providers.openai.api_key"], { env, cwd: t.workdir })).stdout).toBe("********\n");
  });

  it("warns about an unknown key in the file with the closest known key, and still works", async () => {
    t.writeConfig("terminal:\n  backend: host\n  timout: 5\n");
    const result = await run("config", "get", "terminal.timeout");
    expect(result).toMatchObject({ code: 0, stdout: "180\n" });
    expect(result.stderr).toBe(
      `monoclaw: warning: ${t.configFile}:3:3: terminal.timout is not a known key and is ignored; fix: did you mean terminal.timeout?\n`,
    );
  });

  it("reports a YAML syntax error with its line, exit 2 and no stack trace; MONOCLAW_DEBUG=1 shows it", async () => {
    t.writeConfig("terminal:\n  backend: host\n timeout: 5\n");
    const result = await run("config", "list");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^monoclaw: ${t.configFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:\\d+: is not valid YAML: .+\n$`));
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const debug = await runBin(["config", "list"], { env: { ...t.env, MONOCLAW_DEBUG: "1" }, cwd: t.workdir });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/ConfigError: .*\n\s+at /);
  });
});
