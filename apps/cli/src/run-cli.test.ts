import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Command } from "commander";
import { createCliContext } from "./cli-context.js";
import { createTestHome, runBin, type TestHome } from "./cli.test-helpers.js";
import { createProgram } from "./program.js";

let t: TestHome;
beforeEach(() => {
  t = createTestHome();
});
afterEach(() => t.remove());

const run = (...args: string[]) => runBin(args, { env: t.env, cwd: t.workdir });
const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

describe("monoclaw", () => {
  it("prints its version", async () => {
    expect(await run("--version")).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
    expect(await run("-V")).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("has --help on every command, exiting 0", async () => {
    const paths: string[][] = [];
    const walk = (command: Command, path: string[]) => {
      for (const sub of command.commands) {
        if (sub.name() === "help") continue;
        paths.push([...path, sub.name()]);
        walk(sub, [...path, sub.name()]);
      }
    };
    walk(createProgram(createCliContext()), []);
    expect(paths).toEqual(
      expect.arrayContaining([
        ["exec"],
        ["config"],
        ["config", "set"],
        ["config", "get"],
        ["config", "unset"],
        ["config", "list"],
        ["config", "path"],
        ["doctor"],
      ]),
    );
    // Four processes at a time: one per command would take minutes on a loaded 2-core machine.
    const all = [[], ...paths];
    for (let at = 0; at < all.length; at += 4) {
      const batch = all.slice(at, at + 4);
      const results = await Promise.all(batch.map((path) => run(...path, "--help")));
      results.forEach((result, i) => {
        const path = batch[i] ?? [];
        expect(result.code, path.join(" ")).toBe(0);
        expect(result.stdout, path.join(" ")).toMatch(new RegExp(`^Usage: ${["monoclaw", ...path].join(" ")}`));
        expect(result.stderr).toBe("");
      });
    }
    expect((await run("help", "exec")).stdout).toContain("Usage: monoclaw exec [options] -- <command...>");
  }, 240_000);

  it("reports usage errors as one line on stderr with exit 2", async () => {
    const unknownOption = await run("exec", "--bogus", "--", "true");
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toBe("monoclaw: unknown option '--bogus'\n(run with --help for usage)\n");
    const unknownCommand = await run("frobnicate");
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/^monoclaw: .*frobnicate.*\n$/);
    const missingArgument = await run("config", "set", "terminal.backend");
    expect(missingArgument.code).toBe(2);
    expect(missingArgument.stderr).toMatch(/^monoclaw: missing required argument 'value'/);
    const badTimeout = await run("exec", "--timeout", "soon", "--", "true");
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toMatch(
      /^monoclaw: option '-t, --timeout <seconds>' argument 'soon' is invalid\. expected a number of seconds from 0\.001 to 2147483 \(about 24\.8 days\)/,
    );
    const badBackend = await run("exec", "--backend", "ssh", "--", "true");
    expect(badBackend.code).toBe(2);
    expect(badBackend.stderr).toContain('"ssh" is not a backend; use one of: host');
  });

  it("never prints a stack trace for a bad config unless MONOCLAW_DEBUG=1", async () => {
    t.writeConfig("terminal:\n  timeout: soon\n");
    const result = await run("exec", "--", "true");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^monoclaw: .*config\.yaml:2:3: terminal\.timeout is "soon"; allowed: a number of seconds from 0\.001 to 2147483 \(about 24\.8 days\); fix: .*\n$/,
    );
    const debug = await runBin(["exec", "--", "true"], { env: { ...t.env, MONOCLAW_DEBUG: "1" }, cwd: t.workdir });
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
