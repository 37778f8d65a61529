import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDockerignore, readDockerignore } from "./dockerignore.js";

const dir = mkdtempSync(join(tmpdir(), "monoclaw-dockerignore-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ignoredOf = (text: string, paths: string[]) => paths.filter((path) => parseDockerignore(text).ignores(path));

describe(".dockerignore by Docker's rules", () => {
  it("reads the context's .dockerignore and ignores nothing without one", async () => {
    expect((await readDockerignore(dir)).ignores("anything")).toBe(false);
    writeFileSync(join(dir, ".dockerignore"), "# comment\nnode_modules\n*.log\n!keep.log\nsecret/\n**/*.tmp\n");
    const filter = await readDockerignore(dir);
    expect(["node_modules", "node_modules/x/y.js", "a.log", "secret/key", "deep/er/x.tmp"].filter(filter.ignores)).toHaveLength(5);
    expect(["keep.log", "src/a.ts", "logs/a.txt"].some(filter.ignores)).toBe(false);
  });

  it("brings back dir/keep under an ignored dir, and reopens only dirs an exception names", () => {
    const filter = parseDockerignore("dir\n!dir/keep\n");
    expect(filter.ignores("dir")).toBe(true);
    expect(filter.ignores("dir/other")).toBe(true);
    expect(filter.ignores("dir/keep")).toBe(false);
    expect(filter.ignores("dir/keep/inner")).toBe(false);
    expect(filter.mayIncludeUnder("dir")).toBe(true);
    expect(filter.mayIncludeUnder("dir/sub")).toBe(false);
    expect(filter.mayIncludeUnder("other")).toBe(false);
    // Docker's CLI does not reopen a dir for a wildcard exception that does not start with it.
    expect(parseDockerignore("dir\n!**/keep\n").mayIncludeUnder("dir")).toBe(false);
    expect(parseDockerignore("dir\n!dir/*.keep\n").mayIncludeUnder("dir")).toBe(true);
  });

  it("matches **/*.log at any depth and !important.log only at the root", () => {
    const text = "**/*.log\n!important.log\n";
    expect(ignoredOf(text, ["a.log", "x/b.log", "x/y/z/c.log", "x/important.log"])).toEqual(["a.log", "x/b.log", "x/y/z/c.log", "x/important.log"]);
    expect(ignoredOf(text, ["important.log", "a.txt", "x/log"])).toEqual([]);
  });

  it("anchors every pattern at the context root, with or without a leading /", () => {
    expect(ignoredOf("/build\n", ["build", "build/out.js", "src/build", "builder"])).toEqual(["build", "build/out.js"]);
    expect(ignoredOf("build\n", ["build", "src/build"])).toEqual(["build"]);
  });

  it("skips # comments and blank lines but takes a # that is not at the line start", () => {
    expect(ignoredOf("#a.txt\n\n   \nb#c\n", ["#a.txt", "a.txt", "b#c"])).toEqual(["b#c"]);
  });

  it("lets the last matching line win and matches case-sensitively as on Linux", () => {
    expect(ignoredOf("!a.txt\n*.txt\n", ["a.txt"])).toEqual(["a.txt"]);
    expect(ignoredOf("*.txt\n!a.txt\n", ["a.txt", "b.txt"])).toEqual(["b.txt"]);
    expect(ignoredOf("Secret\n", ["secret", "Secret"])).toEqual(["Secret"]);
  });

  it("cleans patterns like filepath.Clean (./a, a/../b, trailing /) and drops a byte order mark", () => {
    expect(ignoredOf("\uFEFF./a\nx/../b\nc/\n", ["a", "b", "c/d", "x"])).toEqual(["a", "b", "c/d"]);
  });
});
