import { lstat, readFile, readdir, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { parseValueText, setConfigValue, unsetConfigValue, type EditConfigOptions } from "./edit-config.js";
import { loadConfig } from "./load-config.js";
import { temporaryDirectory, testFactories } from "./config.test-helpers.js";

let dir: { path: string; cleanup: () => Promise<void> };
let file: string;
let options: EditConfigOptions;
beforeEach(async () => {
  dir = await temporaryDirectory();
  file = join(dir.path, "home", "config.yaml");
  options = { factories: testFactories(), env: { HOME: "/home/ann", MONOCLAW_HOME: join(dir.path, "home") }, startDir: "/work" };
});
afterEach(() => dir.cleanup());

const COMMENTED = `# MonoClaw settings
model: anthropic/claude-sonnet-4-5 # the default model

terminal:
  # where commands run
  backend: host # host or docker
  timeout: 60

  docker:
    image: "ubuntu:24.04"
`;

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("setConfigValue", () => {
  it("creates the file (0600) and its directory (0700) when missing", async () => {
    const result = await setConfigValue("terminal.backend", "docker", options);
    expect(result).toEqual({ file, changed: true, warnings: [] });
    expect(await readFile(file, "utf8")).toBe("terminal:\n  backend: docker\n");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir.path, "home"))).mode & 0o777).toBe(0o700);
  });

  it("keeps comments, blank lines and the layout; a replaced scalar keeps its own comment", async () => {
    await setConfigValue("terminal.backend", "docker", { ...options, file });
    await writeFile(file, COMMENTED);
    await setConfigValue("terminal.backend", "docker", options);
    await setConfigValue("terminal.timeout", 300, options);
    await setConfigValue("terminal.docker.volumes", ["${HOME}/projects:/projects"], options);
    await setConfigValue("terminal.docker.network", "none", options);
    expect(await readFile(file, "utf8")).toBe(`# MonoClaw settings
model: anthropic/claude-sonnet-4-5 # the default model

terminal:
  # where commands run
  backend: docker # host or docker
  timeout: 300

  docker:
    image: "ubuntu:24.04"
    volumes:
      - \${HOME}/projects:/projects
    network: none
`);
    const loaded = await loadConfig(options);
    expect(loaded.config.terminal).toMatchObject({ backend: "docker", timeout: 300 });
    expect(loaded.config.terminal.docker).toMatchObject({ network: "none", volumes: ["/home/ann/projects:/projects"] });
  });

  it("reports no change and writes nothing when the file already says it", async () => {
    await setConfigValue("terminal.timeout", 60, options);
    const before = await stat(file);
    expect((await setConfigValue("terminal.timeout", 60, options)).changed).toBe(false);
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
  });

  it("refuses an invalid value, leaving the file byte-identical and no temporary file behind", async () => {
    await setConfigValue("terminal.backend", "host", options);
    await writeFile(file, COMMENTED);
    const error = await rejection(setConfigValue("terminal.timeout", "soon", options));
    expect(error.problems).toEqual([
      {
        file,
        key: "terminal.timeout",
        message: 'is "soon"',
        allowed: "a number of seconds from 0.001 to 2147483 (about 24.8 days)",
        fix: expect.stringContaining("monoclaw config set terminal.timeout"),
      },
    ]);
    const backend = await rejection(setConfigValue("terminal.backend", "ssh", options));
    expect(backend.problems[0]).toMatchObject({ key: "terminal.backend", allowed: "the name of a backend: host, docker" });
    expect(await readFile(file, "utf8")).toBe(COMMENTED);
    expect(await readdir(join(dir.path, "home"))).toEqual(["config.yaml"]);
  });

  it("refuses unknown keys, naming the closest known key, before touching anything", async () => {
    const error = await rejection(setConfigValue("terminal.dokcer.image", "alpine", options));
    expect(error.problems[0]).toMatchObject({
      key: "terminal.dokcer.image",
      message: "is not a known key (terminal.dokcer does not exist)",
      allowed: "under terminal: backend, cwd, timeout, approvals, host, docker",
      fix: "did you mean terminal.docker.image?",
    });
    await rejection(setConfigValue("terminal..backend", "host", options));
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it("accepts any provider name, and keeps ${VAR} as written whatever the editing shell's environment", async () => {
    await setConfigValue("providers.openrouter.api_key", "${OPENROUTER_KEY_NOT_SET_HERE}", options);
    expect(await readFile(file, "utf8")).toBe("providers:\n  openrouter:\n    api_key: ${OPENROUTER_KEY_NOT_SET_HERE}\n");
  });

  it("lets a broken file be repaired one key at a time, but not made worse", async () => {
    await setConfigValue("terminal.backend", "host", options);
    await writeFile(file, "terminal:\n  timeout: soon\n  approvals: perhaps\n");
    await setConfigValue("terminal.timeout", 30, options);
    expect(await readFile(file, "utf8")).toBe("terminal:\n  timeout: 30\n  approvals: perhaps\n");
    await rejection(setConfigValue("terminal.cwd", 5, options));
    await setConfigValue("terminal.approvals", "never", options);
    expect((await loadConfig(options)).config.terminal).toMatchObject({ timeout: 30, approvals: "never" });
  });

  it("refuses to edit a file that is not valid YAML", async () => {
    await setConfigValue("terminal.backend", "host", options);
    await writeFile(file, "terminal:\n  backend: host\n timeout: 5\n");
    const error = await rejection(setConfigValue("terminal.timeout", 5, options));
    expect(error.problems[0]).toMatchObject({ line: 3 });
    expect(await readFile(file, "utf8")).toBe("terminal:\n  backend: host\n timeout: 5\n");
  });

  it("replaces the target of a symlinked config file, keeping the link", async () => {
    const real = join(dir.path, "dotfiles-config.yaml");
    await writeFile(real, "terminal:\n  backend: host\n", { mode: 0o640 });
    await setConfigValue("terminal.timeout", 1, options).catch(() => undefined);
    await writeFile(file, "");
    await import("node:fs/promises").then((fs) => fs.unlink(file));
    await symlink(real, file);
    await setConfigValue("terminal.backend", "docker", options);
    expect((await lstat(file)).isSymbolicLink()).toBe(true);
    expect(await readlink(file)).toBe(real);
    expect(await readFile(real, "utf8")).toBe("terminal:\n  backend: docker\n");
    expect((await stat(real)).mode & 0o777).toBe(0o640);
  });
});

describe("unsetConfigValue", () => {
  it("removes the key and the sections it leaves empty, keeping the rest and its comments", async () => {
    await setConfigValue("terminal.backend", "host", options);
    await writeFile(file, COMMENTED);
    expect((await unsetConfigValue("terminal.docker.image", options)).changed).toBe(true);
    expect((await unsetConfigValue("model", options)).changed).toBe(true);
    expect(await readFile(file, "utf8")).toBe(`# MonoClaw settings

terminal:
  # where commands run
  backend: host # host or docker
  timeout: 60
`);
  });

  it("is a no-op for a key that is not set, or a file that does not exist", async () => {
    expect(await unsetConfigValue("terminal.timeout", options)).toEqual({ file, changed: false, warnings: [] });
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it("refuses unknown keys", async () => {
    const error = await rejection(unsetConfigValue("terminal.timout", options));
    expect(error.problems[0]?.fix).toBe("did you mean terminal.timeout?");
  });
});

describe("parseValueText", () => {
  it("reads command-line values as YAML", () => {
    expect(parseValueText("true", file)).toBe(true);
    expect(parseValueText("300", file)).toBe(300);
    expect(parseValueText("[a, b]", file)).toEqual(["a", "b"]);
    expect(parseValueText("docker", file)).toBe("docker");
    expect(parseValueText("ubuntu:24.04", file)).toBe("ubuntu:24.04");
    expect(parseValueText("'300'", file)).toBe("300");
  });
  it("says how to quote a value that is not valid YAML", () => {
    expect(() => parseValueText("[a, b", file)).toThrow(ConfigError);
  });
});

describe("setConfigValue on an existing scalar", () => {
  it("changes only that scalar's bytes: long lines, flow lists, block text, quotes and comments elsewhere stay exactly as written", async () => {
    const text = [
      "# header",
      `model: "openai-compatible/${"x".repeat(100)}"   # long quoted line`,
      "terminal:",
      "  backend:   host    # spaced out",
      "  docker:",
      "    image: 'ubuntu:24.04'",
      '    volumes: [ "/a:/a",   "/b:/b" ]',
      "    env:",
      "      A: '1'",
      "      NOTE: >",
      "        folded text",
      "        kept as is",
      "",
    ].join("\n");
    await setConfigValue("terminal.backend", "host", options);
    await writeFile(file, text);
    await setConfigValue("terminal.backend", "docker", options);
    await setConfigValue("terminal.docker.image", "debian:bookworm", options);
    expect(await readFile(file, "utf8")).toBe(
      text.replace("backend:   host    #", "backend:   docker    #").replace("image: 'ubuntu:24.04'", "image: 'debian:bookworm'"),
    );
  });

  it("writes numbers as numbers and keeps a string that looks like one a string", async () => {
    await setConfigValue("terminal.timeout", 60, options);
    await setConfigValue("terminal.timeout", 300, options);
    expect(await readFile(file, "utf8")).toBe("terminal:\n  timeout: 300\n");
    await setConfigValue("model", "a/b", options);
    await setConfigValue("model", "a/300", options);
    expect(await readFile(file, "utf8")).toBe("terminal:\n  timeout: 300\nmodel: a/300\n");
  });
});
