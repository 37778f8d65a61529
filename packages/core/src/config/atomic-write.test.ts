import { chmod, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileAtomic } from "./atomic-write.js";
import { temporaryDirectory } from "./config.test-helpers.js";

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await temporaryDirectory();
});
afterEach(() => dir.cleanup());

describe("writeFileAtomic", () => {
  it("creates a new file 0600 in new 0700 directories", async () => {
    const file = join(dir.path, "a", "b", "config.yaml");
    await writeFileAtomic(file, "x: 1\n");
    expect(await readFile(file, "utf8")).toBe("x: 1\n");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir.path, "a"))).mode & 0o777).toBe(0o700);
  });

  it("replaces an existing file, keeping its mode, and leaves no temporary file", async () => {
    const file = join(dir.path, "config.yaml");
    await writeFile(file, "old\n");
    await chmod(file, 0o644);
    await writeFileAtomic(file, "new\n");
    expect(await readFile(file, "utf8")).toBe("new\n");
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(await readdir(dir.path)).toEqual(["config.yaml"]);
  });

  it("on failure leaves the target as it was and removes the temporary file", async () => {
    const target = join(dir.path, "config.yaml");
    await mkdir(target);
    await writeFile(join(target, "keep"), "kept");
    await expect(writeFileAtomic(target, "new\n")).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(await readdir(dir.path)).toEqual(["config.yaml"]);
    expect(await readFile(join(target, "keep"), "utf8")).toBe("kept");
  });
});
