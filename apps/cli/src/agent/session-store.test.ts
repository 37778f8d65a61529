import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  appendToSession,
  createSession,
  listSessions,
  loadLatestSession,
  loadSession,
  MAX_STORED_OUTPUT_CHARS,
  newSessionId,
  SessionNotFoundError,
  sessionsDirectory,
} from "./session-store.js";

let home: string;
let directory: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "monoclaw-sessions-"));
  directory = sessionsDirectory(home);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const start = (model = "openai/gpt-test") => createSession({ directory, cwd: "/work", model, backend: "host" });

function lines(path: string) {
  return readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
}

describe("session store", () => {
  it("makes sortable ids", () => {
    expect(newSessionId(new Date("2026-11-23T18:40:12.345Z"))).toMatch(/^20261123-184012-[0-9a-f]{6}$/);
  });

  it("creates a private file under <home>/sessions and writes each line immediately", () => {
    const writer = start();
    expect(writer.path).toBe(join(home, "sessions", `${writer.id}.jsonl`));
    expect(statSync(writer.path).mode & 0o777).toBe(0o600);
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    writer.recordMessage({ role: "user", content: "hello" });
    writer.recordEvent({ type: "text-delta", text: "Hi" });
    // Readable before close: a crash now would lose nothing already shown.
    const written = lines(writer.path);
    expect(written[0]).toMatchObject({ type: "session", version: 1, id: writer.id, cwd: "/work", model: "openai/gpt-test", backend: "host" });
    expect(written[1]).toMatchObject({ type: "message", message: { role: "user", content: "hello" } });
    expect(written[2]).toMatchObject({ type: "event", event: { type: "text-delta", text: "Hi" } });
    writer.close();
  });

  it("stores turn-end without its messages, and caps live tool output per call", () => {
    const writer = start();
    writer.recordEvent({ type: "tool-output", toolCallId: "c", stream: "stdout", text: "x".repeat(MAX_STORED_OUTPUT_CHARS - 10) });
    writer.recordEvent({ type: "tool-output", toolCallId: "c", stream: "stdout", text: "y".repeat(100) });
    writer.recordEvent({ type: "tool-output", toolCallId: "c", stream: "stdout", text: "z".repeat(100) });
    writer.recordEvent({ type: "tool-end", toolCallId: "c", toolName: "bash", isError: false, output: "capped", durationMs: 1, exitCode: 0 });
    writer.recordEvent({ type: "turn-end", reason: "stop", text: "done", messages: [{ role: "assistant", content: "done" }] });
    writer.close();
    const written = lines(writer.path);
    expect(written).toHaveLength(5);
    expect(written[2].event.text).toBe(`${"y".repeat(10)}\n[live output omitted from the session file]\n`);
    expect(written[3].event.output).toBe("capped");
    expect(written[4].event).toEqual({ type: "turn-end", reason: "stop", text: "done", messages: [] });
  });

  it("loads the conversation and the last /model, and appends to it again", () => {
    const writer = start();
    writer.recordMessage({ role: "user", content: "first question" });
    writer.recordMessage({ role: "assistant", content: "first answer" });
    writer.recordModel("anthropic/claude-test");
    writer.close();
    const loaded = loadSession(directory, writer.id);
    expect(loaded.messages).toEqual([
      { role: "user", content: "first question" },
      { role: "assistant", content: "first answer" },
    ]);
    expect(loaded.model).toBe("anthropic/claude-test");
    const again = appendToSession(loaded);
    again.recordMessage({ role: "user", content: "second" });
    again.close();
    expect(loadSession(directory, writer.id).messages).toHaveLength(3);
  });

  it("resumes from the last compaction snapshot plus the messages after it", () => {
    const writer = start();
    writer.recordMessage({ role: "user", content: "old 1" });
    writer.recordMessage({ role: "assistant", content: "old 2" });
    writer.recordMessage({ role: "user", content: "current prompt" });
    writer.recordEvent({
      type: "compaction",
      summarizedMessages: 2,
      summary: "they talked",
      messages: [
        { role: "user", content: "[Summary] they talked" },
        { role: "user", content: "current prompt" },
      ],
    });
    writer.recordMessage({ role: "assistant", content: "answer" });
    writer.close();
    expect(loadSession(directory, writer.id).messages).toEqual([
      { role: "user", content: "[Summary] they talked" },
      { role: "user", content: "current prompt" },
      { role: "assistant", content: "answer" },
    ]);
  });

  it("skips a line cut short by a crash", () => {
    const writer = start();
    writer.recordMessage({ role: "user", content: "kept" });
    writer.close();
    appendFileSync(writer.path, '{"type":"message","message":{"role":"ass');
    const loaded = loadSession(directory, writer.id);
    expect(loaded.messages).toEqual([{ role: "user", content: "kept" }]);
    expect(loaded.skippedLines).toBe(1);
  });

  it("finds the most recently written session and accepts a unique id prefix", () => {
    const older = start();
    older.recordMessage({ role: "user", content: "older" });
    older.close();
    const newer = start();
    newer.recordMessage({ role: "user", content: "newer" });
    newer.close();
    // Times a minute and half a minute back: the append below is then later than both by far more than the
    // file system's timestamp granularity (two writes in one tick tie, and the tie goes by the random id).
    const past = new Date(Date.now() - 60_000);
    const lessPast = new Date(Date.now() - 30_000);
    utimesSync(older.path, past, past);
    utimesSync(newer.path, lessPast, lessPast);
    expect(loadLatestSession(directory)?.header.id).toBe(newer.id);
    expect(listSessions(directory).map((session) => [session.id, session.title])).toEqual([
      [newer.id, "newer"],
      [older.id, "older"],
    ]);
    // Appending to the older one makes it the latest.
    const resumed = appendToSession(loadSession(directory, older.id.slice(0, -2)));
    resumed.recordMessage({ role: "user", content: "again" });
    resumed.close();
    expect(loadLatestSession(directory)?.header.id).toBe(older.id);
  });

  it("has no latest session in a missing or empty directory", () => {
    expect(loadLatestSession(directory)).toBeUndefined();
    expect(listSessions(directory)).toEqual([]);
  });

  it("explains an unknown id and lists the recent sessions with how to resume one", () => {
    const writer = start();
    writer.recordMessage({ role: "user", content: "fix the build" });
    writer.close();
    expect(() => loadSession(directory, "nope")).toThrow(SessionNotFoundError);
    try {
      loadSession(directory, "nope");
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain(`No session "nope" in ${directory}.`);
      expect(message).toContain(`${writer.id}`);
      expect(message).toContain("fix the build");
      expect(message).toContain("--resume <id>");
      expect(message).toContain("--continue");
    }
    expect(() => loadSession(directory, "../../etc/passwd")).toThrow(/is not a session id/);
    rmSync(directory, { recursive: true });
    expect(() => loadSession(directory, "x")).toThrow(/There are no sessions yet/);
  });

  it("refuses a file that is not a session", () => {
    start().close();
    writeFileSync(join(directory, "20200101-000000-aaaaaa.jsonl"), "not json\n");
    expect(() => loadSession(directory, "20200101-000000-aaaaaa")).toThrow(/is not a MonoClaw session file/);
  });

  it("reports a write failure (disk full) once and never throws into the caller", () => {
    const writer = start();
    writer.close();
    const errors: Error[] = [];
    // /dev/full fails every write with ENOSPC, like a full disk.
    const full = appendToSession({ ...loadSession(directory, writer.id), path: "/dev/full" }, { onError: (error) => errors.push(error) });
    expect(() => {
      full.recordMessage({ role: "user", content: "lost" });
      full.recordEvent({ type: "text-delta", text: "lost too" });
    }).not.toThrow();
    full.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/Could not write session file \/dev\/full: .*ENOSPC.*The session continues unsaved\./);
  });

  it("ignores writes after close", () => {
    const writer = start();
    writer.close();
    writer.recordMessage({ role: "user", content: "late" });
    expect(lines(writer.path)).toHaveLength(1);
  });
});
