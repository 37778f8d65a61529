import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfinedDir } from "@monoclaw/core";
import { appendJsonLines, readJsonLines } from "./json-lines.js";
import { ChannelLog, type LogEntry } from "./channel-log.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mom-store-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("crash-safe files", () => {
  it("replaces atomically and leaves no temporary file", async () => {
    const files = new ConfinedDir(dir);
    await files.writeFileAtomic("sub/MEMORY.md", "one", { makeParents: true });
    await files.writeFileAtomic("sub/MEMORY.md", "two");
    expect(await readFile(join(dir, "sub", "MEMORY.md"), "utf8")).toBe("two");
    expect(await readdir(join(dir, "sub"))).toEqual(["MEMORY.md"]);
  });

  it("isolates a partial last line left by a crash and keeps later appends whole", async () => {
    const files = new ConfinedDir(dir);
    await appendJsonLines(files, "log.jsonl", [{ a: 1 }]);
    await writeFile(join(dir, "log.jsonl"), '{"a":1}\n{"a":2, "trunc', { flag: "w" });
    await appendJsonLines(files, "log.jsonl", [{ a: 3 }, { a: 4 }]);
    const read = await readJsonLines<{ a: number }>(files, "log.jsonl", { maxBytes: 1000 });
    expect(read.records).toEqual([{ a: 1 }, { a: 3 }, { a: 4 }]);
    expect(read.skippedLines).toBe(1);
  });

  it("serialises concurrent appends to one file", async () => {
    const files = new ConfinedDir(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => appendJsonLines(files, "many.jsonl", [{ i, pad: "x".repeat(5000) }])));
    const read = await readJsonLines<{ i: number }>(files, "many.jsonl", { maxBytes: 1024 * 1024 });
    expect(read.skippedLines).toBe(0);
    expect(read.records.map((r) => r.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("a channel log never writes the same ts twice, also across instances (restarts)", async () => {
    const files = new ConfinedDir(dir);
    const path = "C1/log.jsonl";
    const entry = (ts: string): LogEntry => ({ ts, date: new Date().toISOString(), user: "U1", text: ts, isBot: false });
    const log = new ChannelLog(files, path);
    expect(await log.append([entry("1.000001"), entry("1.000002")])).toHaveLength(2);
    expect(await log.append([entry("1.000002"), entry("1.000003")])).toHaveLength(1);
    const reopened = new ChannelLog(files, path);
    expect(await reopened.append([entry("1.000001"), entry("1.000004")])).toHaveLength(1);
    expect((await reopened.entries()).map((e) => e.ts)).toEqual(["1.000001", "1.000002", "1.000003", "1.000004"]);
    expect(await reopened.newestTs()).toBe("1.000004");
  });
});
