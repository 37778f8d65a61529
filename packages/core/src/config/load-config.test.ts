import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { loadConfig, type LoadConfigOptions } from "./load-config.js";
import { temporaryDirectory, testFactories } from "./config.test-helpers.js";

let dir: { path: string; cleanup: () => Promise<void> };
let file: string;
beforeEach(async () => {
  dir = await temporaryDirectory();
  file = join(dir.path, "config.yaml");
});
afterEach(() => dir.cleanup());

const options = (extra: Partial<LoadConfigOptions> = {}): LoadConfigOptions => ({
  factories: testFactories(),
  env: { HOME: "/home/ann", MONOCLAW_HOME: dir.path },
  startDir: "/work/project",
  ...extra,
});

async function load(text: string, extra: Partial<LoadConfigOptions> = {}) {
  await writeFile(file, text);
  return loadConfig(options(extra));
}

async function loadError(text: string, extra: Partial<LoadConfigOptions> = {}): Promise<ConfigError> {
  const error = await load(text, extra).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("loadConfig", () => {
  it("gives every default when there is no file, found through MONOCLAW_HOME", async () => {
    const loaded = await loadConfig(options());
    expect(loaded.file).toBe(file);
    expect(loaded.exists).toBe(false);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config).toEqual({
      providers: {},
      terminal: {
        backend: "host",
        cwd: "/work/project",
        timeout: 180,
        approvals: "ask",
        host: { forward_env: [] },
        docker: { image: "ubuntu:24.04", network: "bridge", volumes: [], keep_warm: false },
      },
    });
  });

  it("treats an empty file and empty sections as defaults", async () => {
    expect((await load("")).config.terminal.timeout).toBe(180);
    const loaded = await load("# only a comment\nterminal:\n  docker:\n");
    expect(loaded.exists).toBe(true);
    expect(loaded.config.terminal.docker).toEqual({ image: "ubuntu:24.04", network: "bridge", volumes: [], keep_warm: false });
  });

  it("reads the product page's docker example, validating terminal.docker with the backend's own schema", async () => {
    const loaded = await load(
      [
        "model: anthropic/claude-sonnet-4-5",
        "providers:",
        "  anthropic:",
        "    api_key: ${ANTHROPIC_KEY_FOR_TEST}",
        "  ollama:",
        "    base_url: http://localhost:11434/v1",
        "terminal:",
        "  backend: docker",
        "  timeout: 300",
        "  approvals: never",
        "  cwd: ~/code",
        "  docker:",
        '    image: "ubuntu:24.04"',
        "    network: bridge",
        "    volumes:",
        '      - "${HOME}/projects:/projects"',
        '      - "~/.ssh:/root/.ssh:ro"',
        "",
      ].join("\n"),
      { env: { HOME: "/home/ann", MONOCLAW_HOME: dir.path, ANTHROPIC_KEY_FOR_TEST: "sk-test" } },
    );
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.model).toBe("anthropic/claude-sonnet-4-5");
    expect(loaded.config.providers).toEqual({ anthropic: { api_key: "sk-test" }, ollama: { base_url: "http://localhost:11434/v1" } });
    expect(loaded.config.terminal).toMatchObject({ backend: "docker", timeout: 300, approvals: "never", cwd: "/home/ann/code" });
    expect(loaded.config.terminal.docker).toEqual({
      image: "ubuntu:24.04",
      network: "bridge",
      volumes: ["/home/ann/projects:/projects", "/home/ann/.ssh:/root/.ssh:ro"],
      keep_warm: false,
    });
  });

  it("resolves a relative terminal.cwd against the start directory", async () => {
    expect((await load("terminal:\n  cwd: sub/dir\n")).config.terminal.cwd).toBe("/work/project/sub/dir");
  });

  it("names the file, line, key, what is allowed and the fix for an invalid value", async () => {
    const error = await loadError("terminal:\n  backend: host\n  timeout: fast\n");
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({
      file,
      key: "terminal.timeout",
      line: 3,
      message: 'is "fast"',
      allowed: "a number of seconds from 0.001 to 2147483 (about 24.8 days)",
    });
    expect(error.message).toBe(
      `${file}:3:3: terminal.timeout is "fast"; allowed: a number of seconds from 0.001 to 2147483 (about 24.8 days); fix: give it an allowed value (\`monoclaw config set terminal.timeout <value>\`), or \`monoclaw config unset terminal.timeout\` for the default`,
    );
  });

  it("reports every problem at once, including values inside a backend's section", async () => {
    const error = await loadError("terminal:\n  approvals: maybe\n  timeout: -5\n  docker:\n    keep_warm: yes please\n");
    expect(error.problems.map((problem) => [problem.key, problem.line, problem.allowed])).toEqual([
      ["terminal.timeout", 3, "a number of seconds from 0.001 to 2147483 (about 24.8 days)"],
      ["terminal.approvals", 2, "ask, never, always"],
      ["terminal.docker.keep_warm", 5, "true or false"],
    ]);
  });

  it("says a section is expected where a plain value is written", async () => {
    const error = await loadError("terminal: docker\n");
    expect(error.problems[0]).toMatchObject({ key: "terminal", line: 1, message: 'is "docker"', allowed: "a section of `key: value` lines" });
  });

  it("accepts only registered backend names for terminal.backend", async () => {
    const error = await loadError("terminal:\n  backend: ssh\n");
    expect(error.problems[0]).toMatchObject({ key: "terminal.backend", line: 2, message: 'is "ssh"', allowed: "the name of a backend: host, docker" });
    expect((await load("terminal:\n  backend: docker\n")).config.terminal.backend).toBe("docker");
  });

  it("checks model as provider/model-id and provider URLs", async () => {
    const error = await loadError("model: claude\nproviders:\n  local:\n    base_url: localhost:8080\n");
    expect(error.problems.map((problem) => [problem.key, problem.line, problem.allowed])).toEqual([
      ["model", 1, "provider/model-id, e.g. anthropic/claude-sonnet-4-5"],
      ["providers.local.base_url", 4, "an http(s) URL, e.g. http://localhost:11434/v1"],
    ]);
  });

  it("warns about unknown keys with the closest known key, and ignores them (even where a backend's schema is strict)", async () => {
    const loaded = await load("terminal:\n  timout: 5\n  docker:\n    imgae: alpine\n    image: busybox\nfavourite_colour: blue\n");
    expect(loaded.config.terminal.timeout).toBe(180);
    expect(loaded.config.terminal.docker).toMatchObject({ image: "busybox" });
    expect(loaded.warnings).toEqual([
      { file, key: "terminal.timout", line: 2, column: 3, message: "is not a known key and is ignored", fix: "did you mean terminal.timeout?" },
      { file, key: "terminal.docker.imgae", line: 4, column: 5, message: "is not a known key and is ignored", fix: "did you mean terminal.docker.image?" },
      { file, key: "favourite_colour", line: 6, column: 1, message: "is not a known key and is ignored", allowed: "known keys: model, providers, terminal" },
    ]);
  });

  it("makes an unset ${VAR} an error naming the key and the variable, unless asked to keep it", async () => {
    const text = "terminal:\n  docker:\n    volumes:\n      - ${MONOCLAW_TEST_UNSET_DIR}:/projects\n";
    const error = await loadError(text);
    expect(error.problems).toEqual([
      {
        file,
        key: "terminal.docker.volumes.0",
        line: 4,
        column: 9,
        message: "uses ${MONOCLAW_TEST_UNSET_DIR}, but MONOCLAW_TEST_UNSET_DIR is not set in the environment",
        fix: "set MONOCLAW_TEST_UNSET_DIR, or write ${MONOCLAW_TEST_UNSET_DIR:-default} for a fallback, or $${MONOCLAW_TEST_UNSET_DIR} for the literal text",
      },
    ]);
    const kept = await load(text, { missingVariables: "keep" });
    expect(kept.config.terminal.docker).toMatchObject({ volumes: ["${MONOCLAW_TEST_UNSET_DIR}:/projects"] });
    expect(kept.warnings).toEqual([
      { ...error.problems[0], message: "uses ${MONOCLAW_TEST_UNSET_DIR}, but MONOCLAW_TEST_UNSET_DIR is not set in the environment (kept as written)" },
    ]);
  });

  it("leaves unset variables under providers for the model registry, so commands that need no model still work", async () => {
    const loaded = await load("providers:\n  openai:\n    api_key: ${MONOCLAW_TEST_UNSET_KEY}\n  local:\n    base_url: ${MONOCLAW_TEST_UNSET_URL}\n");
    expect(loaded.config.providers).toEqual({
      openai: { api_key: "${MONOCLAW_TEST_UNSET_KEY}" },
      local: { base_url: "${MONOCLAW_TEST_UNSET_URL}" },
    });
  });

  it("reports YAML syntax errors with line and column", async () => {
    const error = await loadError("terminal:\n  backend: host\n timeout: 5\n");
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ file, line: 3 });
    expect(error.problems[0]?.message).toMatch(/^is not valid YAML: /);
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:\\d+: is not valid YAML`));
  });

  it("reports duplicate keys as a YAML error on the duplicate's line", async () => {
    const error = await loadError("terminal:\n  backend: host\n  backend: docker\n");
    expect(error.problems[0]?.line).toBe(3);
  });

  it("refuses a file that is not a mapping", async () => {
    const error = await loadError("- terminal\n- backend\n");
    expect(error.problems[0]).toMatchObject({ file, line: 1, message: 'must be a mapping of keys (such as "terminal:"), not a list' });
  });

  it("says why a config path that is a directory cannot be read", async () => {
    await mkdir(file);
    const error = await loadConfig(options()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`${file}: cannot be read (EISDIR); fix: move the directory away; the config must be a file`);
  });
});
