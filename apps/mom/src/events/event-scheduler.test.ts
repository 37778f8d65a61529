import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfinedDir } from "@monoclaw/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventScheduler, eventMessageText, type EventFiring } from "./event-scheduler.js";

let root: string;
/** The events directory (<root>/events). */
let dir: string;
let scheduler: EventScheduler | undefined;
const logs: string[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "mom-events-"));
  dir = join(root, "events");
  await mkdir(dir);
  logs.length = 0;
});
afterEach(async () => {
  scheduler?.stop();
  scheduler = undefined;
  await rm(root, { recursive: true, force: true });
});

async function until(fn: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function start(fired: EventFiring[], fire?: (f: EventFiring) => Promise<void>): Promise<void> {
  scheduler = new EventScheduler({
    files: new ConfinedDir(root),
    eventsDir: "events",
    fire: async (firing) => {
      fired.push(firing);
      await fire?.(firing);
    },
    log: (m) => logs.push(m),
    rescanIntervalMs: 500,
  });
  return scheduler.start();
}

const write = (name: string, value: unknown): Promise<void> => writeFile(join(dir, name), typeof value === "string" ? value : JSON.stringify(value));

describe("event scheduler", () => {
  it("fires an immediate event found at start, then removes its file", async () => {
    await write("now.json", { type: "immediate", channelId: "C111", text: "hello" });
    const fired: EventFiring[] = [];
    await start(fired);
    await until(() => fired.length === 1, "the firing");
    expect(eventMessageText(fired[0]!)).toBe("[EVENT:now.json:immediate:now] hello");
    await until(() => !existsSync(join(dir, "now.json")), "the file to be removed");
    expect(fired).toHaveLength(1);
  });

  it("keeps an immediate file until its run has ended", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await write("slow.json", { type: "immediate", channelId: "C111", text: "slow" });
    const fired: EventFiring[] = [];
    await start(fired, () => gate);
    await until(() => fired.length === 1, "the firing");
    await scheduler!.scan();
    expect(existsSync(join(dir, "slow.json"))).toBe(true);
    release();
    await until(() => !existsSync(join(dir, "slow.json")), "removal after the run");
    expect(fired).toHaveLength(1);
  });

  it("picks up files written while running: one-shot on time, and a missed one-shot late", async () => {
    const fired: EventFiring[] = [];
    await start(fired);
    const at = new Date(Date.now() + 1500);
    await write("soon.json", { type: "one-shot", channelId: "C111", text: "ring", at: at.toISOString().replace("Z", "+00:00") });
    await write("missed.json", { type: "one-shot", channelId: "C111", text: "old", at: "2020-01-01T00:00:00+00:00" });
    await until(() => fired.some((f) => f.fileName === "missed.json"), "the missed one-shot");
    const missed = fired.find((f) => f.fileName === "missed.json")!;
    expect(missed.late).toBe(true);
    expect(eventMessageText(missed)).toMatch(/^\[EVENT:missed\.json:one-shot:2020-01-01T00:00:00\+00:00\] \(delivered late at .*mom was not running.*\) old$/);
    await until(() => fired.some((f) => f.fileName === "soon.json"), "the one-shot");
    const soon = fired.find((f) => f.fileName === "soon.json")!;
    expect(soon.late).toBe(false);
    expect(soon.dueAt.getTime()).toBe(at.getTime());
    await until(() => !existsSync(join(dir, "soon.json")) && !existsSync(join(dir, "missed.json")), "both files removed");
  });

  it("fires a periodic event every matching second until its file is removed", async () => {
    const fired: EventFiring[] = [];
    await start(fired);
    await write("tick.json", { type: "periodic", channelId: "C111", text: "tick", schedule: "* * * * * *", timezone: "Europe/Vienna" });
    await until(() => fired.length >= 2, "two periodic firings");
    expect(existsSync(join(dir, "tick.json"))).toBe(true);
    expect(eventMessageText(fired[0]!)).toBe("[EVENT:tick.json:periodic:* * * * * * Europe/Vienna] tick");
    await rm(join(dir, "tick.json"));
    await scheduler!.scan();
    const count = fired.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(fired.length).toBe(count);
  });

  it("moves an invalid file aside with the reason instead of deleting it", async () => {
    const fired: EventFiring[] = [];
    await start(fired);
    await write("bad.json", { type: "one-shot", channelId: "C111", text: "x", at: "tomorrow" });
    // The log line follows the reason file (written atomically, then flushed): wait for both.
    await until(() => logs.some((l) => l.includes("moved to events/invalid/bad.json")), "the invalid file to be moved", 30_000);
    expect(existsSync(join(dir, "bad.json"))).toBe(false);
    expect(JSON.parse(await readFile(join(dir, "invalid", "bad.json"), "utf8")).at).toBe("tomorrow");
    expect(await readFile(join(dir, "invalid", "bad.json.reason.txt"), "utf8")).toContain("'at': must be an ISO 8601 time with an offset");
    expect(logs.some((l) => l.includes("moved to events/invalid/bad.json"))).toBe(true);
    expect(fired).toEqual([]);
  });

  it("keeps a one-time event whose run could not be queued and tries again", async () => {
    let attempts = 0;
    scheduler = new EventScheduler({
      files: new ConfinedDir(root),
      eventsDir: "events",
      fire: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error("channel C111 is too busy");
      },
      log: (m) => logs.push(m),
      retryDelayMs: 200,
    });
    await write("busy.json", { type: "immediate", channelId: "C111", text: "later" });
    await scheduler.start();
    await until(() => attempts === 2, "the retry");
    expect(logs.some((l) => l.includes("busy.json could not run (channel C111 is too busy); retrying"))).toBe(true);
    await until(() => !existsSync(join(dir, "busy.json")), "removal after the successful run");
  });
});
