import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { temporaryDirectory } from "./config.test-helpers.js";
import { FileLockTimeoutError, withFileLock } from "./file-lock.js";

let dir: { path: string; cleanup: () => Promise<void> };
let file: string;
beforeEach(async () => {
  dir = await temporaryDirectory();
  file = join(dir.path, "home", "config.yaml");
});
afterEach(() => dir.cleanup());

/** A read-modify-write cycle that loses updates unless it is serialized. */
async function increment(counter: string): Promise<void> {
  const value = Number((await readFile(counter, "utf8").catch(() => "0")) || "0");
  await delay(2);
  await writeFile(counter, String(value + 1));
}

describe("withFileLock", () => {
  it("runs concurrent read-modify-write cycles one after the other, creating the directory", async () => {
    await Promise.all(Array.from({ length: 20 }, () => withFileLock(file, () => increment(file))));
    expect(await readFile(file, "utf8")).toBe("20");
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("releases the lock when the edit throws", async () => {
    await expect(withFileLock(file, async () => Promise.reject(new Error("invalid value")))).rejects.toThrow("invalid value");
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(await withFileLock(file, async () => "next edit")).toBe("next edit");
  });

  it("takes over a lock whose process is gone, or that an earlier process with our pid left", async () => {
    const exited = spawnSync("true").pid;
    await withFileLock(file, async () => undefined); // creates the directory
    await writeFile(`${file}.lock`, `${exited}\n`);
    expect(await withFileLock(file, async () => "taken over")).toBe("taken over");
    await writeFile(`${file}.lock`, `${process.pid}\n`);
    expect(await withFileLock(file, async () => "left over")).toBe("left over");
  });

  it("waits for a live holder, then gives up naming it and how to clear the lock", async () => {
    const holder = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await withFileLock(file, async () => undefined);
      await writeFile(`${file}.lock`, `${holder.pid}\n`);
      const error = await withFileLock(file, async () => "never", { timeoutMs: 200 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(FileLockTimeoutError);
      expect((error as Error).message).toBe(
        `${file}.lock is held by process ${holder.pid}, which is editing the same file. Try again when it is done; if no such process is running, delete ${file}.lock.`,
      );
      expect(await readFile(`${file}.lock`, "utf8")).toBe(`${holder.pid}\n`);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("takes over an unreadable lock only once it is stale", async () => {
    await withFileLock(file, async () => undefined);
    await writeFile(`${file}.lock`, "");
    await expect(withFileLock(file, async () => "never", { timeoutMs: 100 })).rejects.toThrow(`${file}.lock is held by another process`);
    expect(await withFileLock(file, async () => "stale", { staleMs: 0 })).toBe("stale");
  });
});
