import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, createTestHome, type BinResult, type TestHome } from "./cli.test-helpers.js";

// A module loader hook that writes every module URL Node loads to $LOADED_MODULES_FILE.
const HOOKS = `import { appendFileSync } from "node:fs";
export async function load(url, context, next) { appendFileSync(process.env.LOADED_MODULES_FILE, url + "\\n"); return next(url, context); }
`;
const REGISTER = (hooks: string) => `import { register } from "node:module"; register(${JSON.stringify(hooks)});\n`;

/** Runs the built bin with the hook; resolves with its result and the URLs of the modules it loaded. */
function runCounting(testHome: TestHome, args: string[]): Promise<BinResult & { modules: string[] }> {
  const hooks = join(testHome.root, "hooks.mjs");
  const register = join(testHome.root, "register.mjs");
  const list = join(testHome.root, "modules.txt");
  writeFileSync(hooks, HOOKS);
  writeFileSync(register, REGISTER(pathToFileURL(hooks).href));
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
const AI_SDK = /\/node_modules\/(ai|@ai-sdk\/[^/]+|@opentelemetry\/api)\//;
const DOCKERODE = /\/node_modules\/(dockerode|docker-modem|@grpc\/grpc-js|protobufjs)\//;
const DOCKER_MAIN_ENTRY = /\/backend-docker\/dist\/index\.js$/;
const COMMANDER = /\/node_modules\/commander\//;

describe("what monoclaw loads to start", () => {
  let testHome: TestHome | undefined;
  afterEach(() => testHome?.remove());

  it("answers --version without loading commander, the config loader or any backend", async () => {
    testHome = createTestHome();
    const result = await runCounting(testHome, ["--version"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(matching(result.modules, /\/bin\.js$/)).toHaveLength(1);
    expect(matching(result.modules, COMMANDER)).toEqual([]);
    expect(matching(result.modules, /\/node_modules\/zod\//)).toEqual([]);
    expect(matching(result.modules, /\/backend-(host|docker)\//)).toEqual([]);
  });

  it("runs exec --backend host without loading dockerode, the AI SDK or the Docker package's main entry", async () => {
    testHome = createTestHome();
    const result = await runCounting(testHome, ["exec", "--backend", "host", "--", "echo", "ran on the host"]);
    expect(result).toMatchObject({ code: 0, stdout: "ran on the host\n", stderr: "" });
    // Positive control: the hook saw the modules this command does need.
    expect(matching(result.modules, /\/backend-host\/dist\//).length).toBeGreaterThan(0);
    expect(matching(result.modules, COMMANDER).length).toBeGreaterThan(0);
    expect(matching(result.modules, DOCKERODE)).toEqual([]);
    expect(matching(result.modules, AI_SDK)).toEqual([]);
    expect(matching(result.modules, DOCKER_MAIN_ENTRY)).toEqual([]);
  });

  it("loads neither the AI SDK nor dockerode for --help and config", async () => {
    testHome = createTestHome();
    for (const args of [["--help"], ["config", "list"]]) {
      const result = await runCounting(testHome, args);
      expect(result.code, args.join(" ")).toBe(0);
      expect(result.stdout.length, args.join(" ")).toBeGreaterThan(0);
      expect(matching(result.modules, AI_SDK), args.join(" ")).toEqual([]);
      expect(matching(result.modules, DOCKERODE), args.join(" ")).toEqual([]);
    }
  });

  it("sees the modules a command imports when it runs (a control for the hook the tests above rely on)", async () => {
    testHome = createTestHome();
    // No model configured: `run` loads its own module, then refuses with the fix.
    const result = await runCounting(testHome, ["run", "hi"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/model/);
    expect(matching(result.modules, /\/commands\/run-once\.js$/)).toHaveLength(1);
  });
});
