import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { parseValueText, setConfigValue, type EditConfigOptions } from "./edit-config.js";
import { loadConfig } from "./load-config.js";
import { temporaryDirectory, testFactories } from "./config.test-helpers.js";

const RANGE = "a number of seconds from 0.001 to 2147483 (about 24.8 days)";

let dir: { path: string; cleanup: () => Promise<void> };
let file: string;
let options: EditConfigOptions;
beforeEach(async () => {
  dir = await temporaryDirectory();
  file = join(dir.path, "config.yaml");
  options = { factories: testFactories(), env: { HOME: "/home/ann" }, startDir: "/work", file };
});
afterEach(() => dir.cleanup());

async function problemOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const problems = (error as ConfigError).problems;
  expect(problems).toHaveLength(1);
  return problems[0];
}

describe("terminal.timeout is a duration a timer can wait for", () => {
  it.each([
    ["9999999", "is 9999999"],
    ["2147484", "is 2147484"],
    [".inf", "is .inf"],
    ["-.inf", "is -.inf"],
    [".nan", "is .nan"],
    ["-5", "is -5"],
    ["0", "is 0"],
    ["0.0001", "is 0.0001"],
    ["soon", 'is "soon"'],
    ["[1, 2]", "is [1,2]"],
  ])("config set refuses %s with the key, the value, the allowed range and the fix; the file is untouched", async (text, message) => {
    await setConfigValue("terminal.timeout", 60, options);
    const before = await readFile(file, "utf8");
    const problem = await problemOf(setConfigValue("terminal.timeout", parseValueText(text, file), options));
    expect(problem).toMatchObject({ key: "terminal.timeout", message, allowed: RANGE, fix: expect.stringContaining("monoclaw config set terminal.timeout") });
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("a file holding a value config set refuses is refused by every command with the same words", async () => {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(file, "terminal:\n  timeout: .inf\n");
    const problem = await problemOf(loadConfig(options));
    expect(problem).toMatchObject({ key: "terminal.timeout", line: 2, message: "is .inf", allowed: RANGE });
    expect(new ConfigError(file, [problem!]).message).toContain(`terminal.timeout is .inf; allowed: ${RANGE}; fix: `);
  });

  it("accepts the longest and the shortest timeout a timer can wait for", async () => {
    await setConfigValue("terminal.timeout", 2147483, options);
    expect((await loadConfig(options)).config.terminal.timeout).toBe(2147483);
    await setConfigValue("terminal.timeout", 0.001, options);
    expect((await loadConfig(options)).config.terminal.timeout).toBe(0.001);
  });
});
