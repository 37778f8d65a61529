import type { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { createCliContext } from "./cli-context.js";
import { createTestHome, runBin, type TestHome } from "./cli.test-helpers.js";
import { createProgram } from "./program.js";

/** Every command of the program by its full name (`sandbox ls`), hidden ones left out. */
function commandsOf(command: Command, prefix = ""): Map<string, Command> {
  const found = new Map<string, Command>();
  for (const sub of command.commands) {
    if ((sub as Command & { _hidden?: boolean })._hidden === true) continue;
    const name = `${prefix}${sub.name()}`;
    found.set(name, sub);
    for (const [childName, child] of commandsOf(sub, `${name} `)) found.set(childName, child);
  }
  return found;
}

/** Commands that print a list or a record a script may want to read (the `ls`/`list` ones are found by name). */
const LISTING_COMMANDS = ["config get", "config list", "doctor", "sandbox egress", "sandbox ls"];
const ESC = "\u001b";

describe("listing commands", () => {
  let t: TestHome | undefined;
  afterEach(() => t?.remove());

  it("every listing command, and every command named ls or list, takes --json", () => {
    const commands = commandsOf(createProgram(createCliContext()));
    const byName = [...commands.keys()].filter((name) => /(^| )(ls|list)$/.test(name));
    // Control: the rule by name finds the listing commands there are today.
    expect(byName).toEqual(expect.arrayContaining(["config list", "sandbox ls"]));
    for (const name of new Set([...LISTING_COMMANDS, ...byName])) {
      const command = commands.get(name);
      expect(command, `monoclaw ${name} exists`).toBeDefined();
      expect(
        command!.options.map((option) => option.long),
        `monoclaw ${name} takes --json`,
      ).toContain("--json");
    }
  });

  it("print no terminal escapes through a pipe, and JSON a script can parse with --json, even with FORCE_COLOR set", async () => {
    t = createTestHome();
    t.writeConfig("terminal:\n  timeout: 30\n");
    const env = { ...t.env, FORCE_COLOR: "1" };
    for (const args of [
      ["config", "list"],
      ["sandbox", "ls"],
      ["config", "get", "terminal.timeout"],
    ]) {
      const plain = await runBin(args, { env, cwd: t.workdir });
      expect(plain.code, `${args.join(" ")}: ${plain.stderr}`).toBe(0);
      // Positive control: there is output to look at.
      expect(plain.stdout.length, args.join(" ")).toBeGreaterThan(0);
      expect(plain.stdout, args.join(" ")).not.toContain(ESC);
      const json = await runBin([...args, "--json"], { env, cwd: t.workdir });
      expect(json.code, `${args.join(" ")} --json: ${json.stderr}`).toBe(0);
      expect(json.stdout).not.toContain(ESC);
      expect(() => JSON.parse(json.stdout), `${args.join(" ")} --json prints JSON`).not.toThrow();
    }
  });
});
