import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { temporaryDirectory } from "./config.test-helpers.js";
import { FileLockTimeoutError, withFileLock } from "./file-lock.js";
import { holdInChildProcess, killAndWait, lockHolderOf, writeLockScript } from "./file-lock.test-helpers.js";
import { formatLockHolder, processStartTime } from "./lock-holder.js";

let dir: { path: string; cleanup: () => Promise<void> };
let file: string;
let script: string;
beforeEach(async () => {
  dir = await temporaryDirectory();
  file = join(dir.path, "home", "config.yaml");
  script = await writeLockScript(join(dir.path, "module"));
});
afterEach(() => dir.cleanup());

/** A read-modify-write cycle that loses updates unless it is serialized. */
async function increment(counter: string): Promise<void> {
  const value = Number((await readFile(counter, "utf8").catch(() => "0")) || "0");
  await delay(2);
  await writeFile(counter, String(value + 1));
}

/** Runs `fn` and returns how long it took. */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await fn();
  return Date.now() - started;
}

describe("withFileLock", () => {
  it("runs concurrent read-modify-write cycles one after the other, creating the directory", async () => {
    await Promise.all(Array.from({ length: 20 }, () => withFileLock(file, () => increment(file))));
    expect(await readFile(file, "utf8")).toBe("20");
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("serializes read-modify-write cycles of several processes racing to take over one abandoned lock, leaving no file behind", async () => {
    const { child } = await holdInChildProcess(script, file);
    await killAndWait(child);
    expect(existsSync(`${file}.lock`)).toBe(true);
    const children = Array.from({ length: 4 }, () => spawn(process.execPath, [script, "increment", file, "10"], { stdio: "inherit" }));
    const codes = await Promise.all(children.map((child) => new Promise((resolve) => child.once("exit", resolve))));
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(await readFile(file, "utf8")).toBe("40");
    expect(await readdir(join(dir.path, "home"))).toEqual(["config.yaml"]);
  });

  it("releases the lock when the edit throws", async () => {
    await expect(withFileLock(file, async () => Promise.reject(new Error("invalid value")))).rejects.toThrow("invalid value");
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(await withFileLock(file, async () => "next edit")).toBe("next edit");
  });

  it("refuses a heartbeat interval that is not a positive number, before taking the lock", async () => {
    for (const heartbeatMs of [0, -5, Number.NaN]) {
      await expect(withFileLock(file, async () => "never", { heartbeatMs })).rejects.toThrow(
        `withFileLock: heartbeatMs is ${heartbeatMs}; give a positive number of milliseconds (default 1000)`,
      );
    }
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(await withFileLock(file, async () => "ran", { heartbeatMs: 5 })).toBe("ran");
  });

  it("names its holder in the lock file and refreshes the file's mtime while it holds it", async () => {
    await withFileLock(
      file,
      async () => {
        const holder = await lockHolderOf(`${file}.lock`);
        expect(holder).toMatchObject({ pid: process.pid, startTime: processStartTime("self") });
        expect(holder.token).toMatch(/^[0-9a-f]{24}$/);
        const before = (await stat(`${file}.lock`)).mtimeMs;
        await delay(150);
        expect((await stat(`${file}.lock`)).mtimeMs).toBeGreaterThan(before);
      },
      { heartbeatMs: 30 },
    );
  });
});

describe("withFileLock against holders in other processes of this pid namespace", () => {
  it("waits for a live holder even when its file looks stale, then gives up naming it and how to clear the lock", async () => {
    const { child, pid } = await holdInChildProcess(script, file);
    try {
      const held = await lockHolderOf(`${file}.lock`);
      expect(held.pid).toBe(pid);
      // staleMs 0: the age of the file is not what keeps it; the live pid with its start time is.
      const error = await withFileLock(file, async () => "never", { timeoutMs: 300, staleMs: 0 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(FileLockTimeoutError);
      expect((error as FileLockTimeoutError).holderPid).toBe(pid);
      expect((error as Error).message).toBe(
        `${file}.lock is held by process ${pid}, which is editing the same file. Try again when it is done; if no such process is running, delete ${file}.lock.`,
      );
      expect((await lockHolderOf(`${file}.lock`)).token).toBe(held.token);
    } finally {
      await killAndWait(child);
    }
  });

  it("takes over the lock of a holder that died, at once rather than after staleMs", async () => {
    const { child, pid } = await holdInChildProcess(script, file);
    expect((await lockHolderOf(`${file}.lock`)).pid).toBe(pid);
    await killAndWait(child);
    expect(existsSync(`${file}.lock`)).toBe(true); // killed, so never released
    const took = await timed(async () => expect(await withFileLock(file, async () => "taken over", { staleMs: 60_000 })).toBe("taken over"));
    expect(took).toBeLessThan(5_000);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("takes over a lock whose pid now belongs to another process (pid reused: its start time differs)", async () => {
    const { child } = await holdInChildProcess(script, file);
    await killAndWait(child);
    const dead = await lockHolderOf(`${file}.lock`);
    const reuser = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const reuserPid = reuser.pid!;
      // Positive control: with the live process's own start time, the lock blocks.
      await writeFile(`${file}.lock`, formatLockHolder({ ...dead, pid: reuserPid, startTime: processStartTime(reuserPid) }));
      await expect(withFileLock(file, async () => "never", { timeoutMs: 200, staleMs: 0 })).rejects.toThrow(`held by process ${reuserPid}`);
      // The dead holder's start time with the live process's pid: a reused pid.
      await writeFile(`${file}.lock`, formatLockHolder({ ...dead, pid: reuserPid }));
      expect(() => process.kill(reuserPid, 0)).not.toThrow();
      const took = await timed(async () => expect(await withFileLock(file, async () => "taken over", { staleMs: 60_000 })).toBe("taken over"));
      expect(took).toBeLessThan(5_000);
    } finally {
      reuser.kill("SIGKILL");
    }
  });

  it("takes over a lock an earlier process with our pid left (same pid, another start time)", async () => {
    await withFileLock(file, async () => undefined);
    const { child } = await holdInChildProcess(script, file);
    await killAndWait(child);
    await writeFile(`${file}.lock`, formatLockHolder({ ...(await lockHolderOf(`${file}.lock`)), pid: process.pid }));
    expect(await withFileLock(file, async () => "left over", { staleMs: 60_000, timeoutMs: 1_000 })).toBe("left over");
  });

  it("takes over an unreadable lock, or a bare pid from an earlier version, only once it is stale", async () => {
    const live = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await withFileLock(file, async () => undefined);
      for (const text of ["", `${live.pid}\n`, "{not json"]) {
        await writeFile(`${file}.lock`, text);
        const error = await withFileLock(file, async () => "never", { timeoutMs: 100 }).catch((caught: unknown) => caught);
        expect((error as Error).message).toBe(
          `${file}.lock is held by another process, which is editing the same file. Try again when it is done; it is taken over 10 s after its holder stops refreshing it, or delete ${file}.lock if no such process is running.`,
        );
        expect(await readFile(`${file}.lock`, "utf8")).toBe(text);
        await delay(60);
        expect(await withFileLock(file, async () => "stale", { staleMs: 50 })).toBe("stale");
      }
    } finally {
      live.kill("SIGKILL");
    }
  });
});
