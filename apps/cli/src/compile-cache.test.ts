import module from "node:module";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compileCacheDirectory } from "./compile-cache.js";
import { createTestHome, runBin, type TestHome } from "./cli.test-helpers.js";

const nodeHasCompileCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === "function";

describe("compileCacheDirectory", () => {
  const home = () => "/home/mona";
  it("is under $XDG_CACHE_HOME when that is an absolute path, else ~/.cache", () => {
    expect(compileCacheDirectory({ XDG_CACHE_HOME: "/var/cache/mona" }, "linux", home)).toBe("/var/cache/mona/monoclaw/compile-cache");
    expect(compileCacheDirectory({}, "linux", home)).toBe("/home/mona/.cache/monoclaw/compile-cache");
    // The XDG spec ignores a relative value: it would put the cache wherever monoclaw was started.
    expect(compileCacheDirectory({ XDG_CACHE_HOME: "cache" }, "linux", home)).toBe("/home/mona/.cache/monoclaw/compile-cache");
  });

  it("is under ~/Library/Caches on macOS", () => {
    expect(compileCacheDirectory({ XDG_CACHE_HOME: "/x" }, "darwin", home)).toBe("/home/mona/Library/Caches/monoclaw/compile-cache");
  });
});

describe("monoclaw's compile cache", () => {
  let testHome: TestHome | undefined;
  afterEach(() => testHome?.remove());

  it("is written under the user's cache directory where Node has one (Node 22.1+), and nowhere on Node 20", async () => {
    testHome = createTestHome();
    const cacheHome = join(testHome.root, "cache");
    const result = await runBin(["config", "path"], { env: { ...testHome.env, XDG_CACHE_HOME: cacheHome }, cwd: testHome.workdir });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("config.yaml");
    const directory = join(cacheHome, "monoclaw", "compile-cache");
    expect(existsSync(directory)).toBe(nodeHasCompileCache);
    if (nodeHasCompileCache) expect(readdirSync(directory).length).toBeGreaterThan(0);
  });

  it("never fails or prints when the cache directory cannot be made", async () => {
    testHome = createTestHome();
    // A file where the cache directory would go: nothing can be created under it.
    const blocked = join(testHome.root, "not-a-directory");
    writeFileSync(blocked, "");
    const result = await runBin(["config", "path"], { env: { ...testHome.env, XDG_CACHE_HOME: blocked }, cwd: testHome.workdir });
    // Positive control: the command itself ran and answered.
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("config.yaml");
  });
});
