import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, createTestHome, type BinResult, type TestHome } from "./cli.test-helpers.js";

// A module loader hook that writes every module URL Node loads to $LOADED_MODULES_FILE.
const HOOKS = `import { appendFileSync } from "node:fs";
export async function load(url, context, next) { appendFileSync(process.env.LOADED_MODULES_FILE, url + "\\n"); return next(url, context); }
`;
// ES modules through the hook; CommonJS ones (dockerode, ssh2, required by the bundle) from require's cache at exit.
const REGISTER = (hooks: string) =>
  `import { appendFileSync } from "node:fs"; import { createRequire, register } from "node:module"; register(${JSON.stringify(hooks)});\n` +
  `process.on("exit", () => appendFileSync(process.env.LOADED_MODULES_FILE, Object.keys(createRequire(import.meta.url)("node:module")._cache).map((path) => "cjs:" + path + "\\n").join("")));\n`;

/** Runs the built bin with the hook (and `requireFirst` required before it); resolves with its result and the modules it loaded. */
function runCounting(testHome: TestHome, args: string[], requireFirst?: string): Promise<BinResult & { modules: string[] }> {
  const hooks = join(testHome.root, "hooks.mjs");
  const register = join(testHome.root, "register.mjs");
  const list = join(testHome.root, "modules.txt");
  writeFileSync(hooks, HOOKS);
  const first = requireFirst === undefined ? "" : `createRequire(import.meta.url)(${JSON.stringify(requireFirst)});\n`;
  writeFileSync(register, REGISTER(pathToFileURL(hooks).href) + first);
  writeFileSync(list, "");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", pathToFileURL(register).href, BIN, ...args], {
      env: { ...testHome.env, LOADED_MODULES_FILE: list },
      cwd: testHome.workdir,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, modules: readFileSync(list, "utf8").split("\n").filter(Boolean) }));
  });
}

const matching = (modules: string[], pattern: RegExp) => modules.filter((url) => pattern.test(url));
const CHUNKS = join(dirname(BIN), "chunks");
const FROM_NODE_MODULES = /\/node_modules\//;
const DOCKERODE = /\/node_modules\/(dockerode|docker-modem|@grpc\/grpc-js|protobufjs)\//;
const SSH2 = /\/node_modules\/ssh2\//;
const GRPC_SESSION = /\/node_modules\/(dockerode\/lib\/session\.js$|@grpc\/grpc-js\/|protobufjs\/)/;
const PROGRAM_CHUNK = /\/chunks\/run-cli-[^/]+\.js$/;
/** A string only the AI SDK's code holds (its API call error's marker), to tell which bundled files carry it. */
const AI_SDK_TEXT = "AI_APICallError";
/** The Docker backend's own code (not its config schema), by the name of the function that opens its container. */
const DOCKER_BACKEND_TEXT = "openContainerTarget";
const bundledFilesWith = (modules: string[], text: string) =>
  modules.filter((url) => url.startsWith("file:") && readFileSync(fileURLToPath(url), "utf8").includes(text));

describe("what monoclaw loads to start (the bundled bin)", () => {
  let testHome: TestHome | undefined;
  afterEach(() => testHome?.remove());

  it("answers --version without loading the program's chunk (commander, the config loader, any backend)", async () => {
    testHome = createTestHome();
    const result = await runCounting(testHome, ["--version"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(matching(result.modules, /\/bin\.js$/)).toHaveLength(1);
    expect(matching(result.modules, PROGRAM_CHUNK)).toEqual([]);
    expect(matching(result.modules, FROM_NODE_MODULES)).toEqual([]);
  });

  it("runs exec --backend host from the bundle alone: no package from node_modules, no Docker backend code, no AI SDK", async () => {
    testHome = createTestHome();
    const result = await runCounting(testHome, ["exec", "--backend", "host", "--", "echo", "ran on the host"]);
    expect(result).toMatchObject({ code: 0, stdout: "ran on the host\n", stderr: "" });
    // Positive control: the hook saw the program's chunk this command does need.
    expect(matching(result.modules, PROGRAM_CHUNK)).toHaveLength(1);
    expect(matching(result.modules, FROM_NODE_MODULES)).toEqual([]);
    // Bundled into a few files instead of the 260-odd modules Node resolved and read one by one before.
    expect(matching(result.modules, /^file:/).length).toBeLessThanOrEqual(20);
    expect(bundledFilesWith(result.modules, AI_SDK_TEXT)).toEqual([]);
    expect(bundledFilesWith(result.modules, DOCKER_BACKEND_TEXT)).toEqual([]);
    // Control for the text tests: the AI SDK and the Docker backend are in the bundle, in chunks exec does not load.
    const chunks = readdirSync(CHUNKS)
      .filter((name) => name.endsWith(".js"))
      .map((name) => pathToFileURL(join(CHUNKS, name)).href);
    expect(bundledFilesWith(chunks, AI_SDK_TEXT).length).toBeGreaterThan(0);
    expect(bundledFilesWith(chunks, DOCKER_BACKEND_TEXT).length).toBeGreaterThan(0);
  });

  it("loads neither the AI SDK nor the Docker backend (dockerode with it) for --help and config", async () => {
    testHome = createTestHome();
    for (const args of [["--help"], ["config", "list"]]) {
      const result = await runCounting(testHome, args);
      expect(result.code, args.join(" ")).toBe(0);
      expect(result.stdout.length, args.join(" ")).toBeGreaterThan(0);
      expect(bundledFilesWith(result.modules, AI_SDK_TEXT), args.join(" ")).toEqual([]);
      expect(bundledFilesWith(result.modules, DOCKER_BACKEND_TEXT), args.join(" ")).toEqual([]);
      expect(matching(result.modules, DOCKERODE), args.join(" ")).toEqual([]);
    }
  });

  it("speaks to the engine without loading dockerode's gRPC session (BuildKit only) or ssh2 (ssh:// only)", async () => {
    testHome = createTestHome();
    const result = await runCounting(testHome, ["sandbox", "ls"]);
    expect(result.code, result.stderr).toBe(0);
    expect(matching(result.modules, GRPC_SESSION)).toEqual([]);
    expect(matching(result.modules, SSH2)).toEqual([]);
    // Control: the installed dockerode's session module is what the bundle requires, and the cache check sees it.
    const { createRequire } = await import("node:module");
    const sessionPath = createRequire(join(CHUNKS, "x.js")).resolve("dockerode/lib/session.js");
    expect(sessionPath).toMatch(GRPC_SESSION);
    const control = await runCounting(testHome, ["--version"], sessionPath);
    expect(matching(control.modules, GRPC_SESSION).length).toBeGreaterThan(0);
  });

  it("sees the modules a command imports when it runs (a control for the hook the tests above rely on)", async () => {
    testHome = createTestHome();
    // No model configured: `run` loads its own module, then refuses with the fix.
    const result = await runCounting(testHome, ["run", "hi"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/model/);
    expect(matching(result.modules, /\/chunks\/run-once-[^/]+\.js$/)).toHaveLength(1);
  });
});
