import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { execCommandLine } from "./exec-command-line.js";

/** What /bin/sh -c makes of the command line: the argv the program receives, one per line. */
function argvSeenBySh(words: string[]): string[] {
  const line = execCommandLine(["printf", "%s\\n", ...words]);
  return spawnSync("/bin/sh", ["-c", line], { encoding: "utf8" }).stdout.split("\n").slice(0, -1);
}

describe("execCommandLine: the words after `monoclaw exec --`", () => {
  it("runs a single word as a shell command line (operators work)", () => {
    expect(execCommandLine(["make test && ls"])).toBe("make test && ls");
    expect(spawnSync("/bin/sh", ["-c", execCommandLine(["echo a; echo b"])], { encoding: "utf8" }).stdout).toBe("a\nb\n");
  });

  it("runs several words as an argument vector: sh -c 'echo a; echo b' prints a and b, not an empty line", () => {
    const line = execCommandLine(["sh", "-c", "echo a; echo b"]);
    expect(spawnSync("/bin/sh", ["-c", line], { encoding: "utf8" }).stdout).toBe("a\nb\n");
  });

  it("passes every word through unchanged: spaces, quotes, globs, $, backslashes, newlines, empty words", () => {
    const words = ["two words", "it's", '"dq"', "*", "$HOME", "`id`", "a\\b", "line\nbreak", "", "-n", "ünï"];
    expect(argvSeenBySh(words)).toEqual(["two words", "it's", '"dq"', "*", "$HOME", "`id`", "a\\b", "line", "break", "", "-n", "ünï"]);
  });
});
