import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { AgentEvent, TurnEndEvent } from "@monoclaw/core";

/** A message of the conversation, as the agent takes and returns it. */
export type ConversationMessage = TurnEndEvent["messages"][number];

/** First line of every session file. */
export interface SessionHeader {
  type: "session";
  version: 1;
  id: string;
  createdAt: string;
  /** Host directory the session was started in. */
  cwd: string;
  model: string;
  backend: string;
}

/**
 * One line of a session file. `message` lines are the conversation the
 * agent resumes from; `event` lines are what was shown (text, tool calls,
 * errors) for the record; `model` lines record `/model` switches.
 */
export type SessionEntry =
  | SessionHeader
  | { type: "message"; at: string; message: ConversationMessage }
  | { type: "event"; at: string; event: AgentEvent }
  | { type: "model"; at: string; model: string };

/** A session read back from its file. */
export interface LoadedSession {
  header: SessionHeader;
  messages: ConversationMessage[];
  /** The model in use when the session was last written (the header's, or the last `/model`). */
  model: string;
  path: string;
  /** Lines that could not be parsed (a crash mid-write leaves at most one) and were skipped. */
  skippedLines: number;
}

export interface SessionSummary {
  id: string;
  path: string;
  createdAt: string;
  updatedAt: Date;
  cwd: string;
  model: string;
  /** The first user message, shortened, to recognise the session by. */
  title: string;
}

/**
 * Appends to one session file.
 *
 * Rules: every call writes its line synchronously before returning (one
 * `write(2)` per line), so a crash loses nothing that was already rendered;
 * the file is created 0600 in a 0700 directory; live tool output is stored
 * only up to {@link MAX_STORED_OUTPUT_CHARS} per tool call (the capped output
 * the model received is always stored with `tool-end`); `turn-end` is stored
 * without its messages, which are stored as `message` lines instead; a
 * `compaction` event is stored whole, as the snapshot loading starts from. Writes
 * after `close` are ignored. Write errors (disk full) are reported once
 * through `onError` and never thrown into the agent loop.
 */
export interface SessionWriter {
  readonly id: string;
  readonly path: string;
  recordMessage(message: ConversationMessage): void;
  recordEvent(event: AgentEvent): void;
  recordModel(model: string): void;
  close(): void;
}

/** Live tool output kept in the session file per tool call; the rest is marked as omitted. */
export const MAX_STORED_OUTPUT_CHARS = 64 * 1024;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** `<home>/sessions`, where `home` is `~/.monoclaw` or `MONOCLAW_HOME`. */
export function sessionsDirectory(home: string): string {
  return join(home, "sessions");
}

/** A new id that sorts by its UTC second: `20261123-184012-a3f9c1` (time, then random, so two made in one second sort either way). */
export function newSessionId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

export interface CreateSessionOptions {
  directory: string;
  cwd: string;
  model: string;
  backend: string;
  /** The id to use, chosen beforehand (the backend may already be named after it); a new one when absent. */
  id?: string;
  onError?: (error: Error) => void;
  now?: () => Date;
}

/** Starts a new session file and writes its header. Throws when the directory cannot be created or written. */
export function createSession(options: CreateSessionOptions): SessionWriter {
  const now = options.now ?? (() => new Date());
  const id = options.id ?? newSessionId(now());
  mkdirSync(options.directory, { recursive: true, mode: 0o700 });
  const path = join(options.directory, `${id}.jsonl`);
  const fd = openSync(path, "wx", 0o600);
  const writer = openWriter(fd, id, path, options.onError, now);
  const header: SessionHeader = {
    type: "session",
    version: 1,
    id,
    createdAt: now().toISOString(),
    cwd: options.cwd,
    model: options.model,
    backend: options.backend,
  };
  writeSync(fd, `${JSON.stringify(header)}\n`);
  return writer;
}

/** Reopens a loaded session to append to it. */
export function appendToSession(session: LoadedSession, options: { onError?: (error: Error) => void; now?: () => Date } = {}): SessionWriter {
  const fd = openSync(session.path, "a", 0o600);
  return openWriter(fd, session.header.id, session.path, options.onError, options.now ?? (() => new Date()));
}

function openWriter(fd: number, id: string, path: string, onError: ((error: Error) => void) | undefined, now: () => Date): SessionWriter {
  let closed = false;
  let failed = false;
  const storedOutput = new Map<string, number>();

  const append = (entry: SessionEntry) => {
    if (closed || failed) return;
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
    } catch (error) {
      failed = true;
      onError?.(new Error(`Could not write session file ${path}: ${(error as Error).message}. The session continues unsaved.`));
    }
  };

  return {
    id,
    path,
    recordMessage(message) {
      append({ type: "message", at: now().toISOString(), message });
    },
    recordModel(model) {
      append({ type: "model", at: now().toISOString(), model });
    },
    recordEvent(event) {
      const at = now().toISOString();
      if (event.type === "tool-output") {
        const stored = storedOutput.get(event.toolCallId) ?? 0;
        if (stored >= MAX_STORED_OUTPUT_CHARS) return;
        const room = MAX_STORED_OUTPUT_CHARS - stored;
        const text = event.text.length > room ? `${event.text.slice(0, room)}\n[live output omitted from the session file]\n` : event.text;
        storedOutput.set(event.toolCallId, stored + text.length);
        append({ type: "event", at, event: { ...event, text } });
        return;
      }
      if (event.type === "tool-end") storedOutput.delete(event.toolCallId);
      if (event.type === "turn-end") {
        // Its messages are stored as `message` lines by the caller; the whole conversation is derivable.
        const { conversation: _conversation, ...rest } = event;
        append({ type: "event", at, event: { ...rest, messages: [] } });
        return;
      }
      append({ type: "event", at, event });
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        closeSync(fd);
      } catch {
        // Already closed or the disk went away; nothing left to flush (writes are synchronous).
      }
    },
  };
}

/** Thrown for a session that does not exist or cannot be read; the message says how to list sessions. */
export class SessionNotFoundError extends Error {
  override readonly name = "SessionNotFoundError";
}

/**
 * Reads a session. `idOrPrefix` may be a unique prefix of an id. Throws
 * {@link SessionNotFoundError} naming the directory and the most recent
 * sessions when nothing (or more than one session) matches.
 */
export function loadSession(directory: string, idOrPrefix: string): LoadedSession {
  const files = listSessionFiles(directory);
  if (!ID_PATTERN.test(idOrPrefix)) {
    throw new SessionNotFoundError(`"${idOrPrefix}" is not a session id (ids look like 20261123-184012-a3f9c1).${recentList(directory, files)}`);
  }
  const exact = files.find((file) => file.id === idOrPrefix);
  const matches = exact ? [exact] : files.filter((file) => file.id.startsWith(idOrPrefix));
  if (matches.length === 0) {
    throw new SessionNotFoundError(`No session "${idOrPrefix}" in ${directory}.${recentList(directory, files)}`);
  }
  if (matches.length > 1) {
    throw new SessionNotFoundError(`"${idOrPrefix}" matches ${matches.length} sessions; give more of the id.${recentList(directory, matches)}`);
  }
  return readSessionFile(matches[0]!.path);
}

/** The most recently written session, or undefined when there is none. */
export function loadLatestSession(directory: string): LoadedSession | undefined {
  for (const file of listSessionFiles(directory)) {
    try {
      return readSessionFile(file.path);
    } catch {
      // Not a session file: try the next newest.
    }
  }
  return undefined;
}

/** The newest `limit` sessions in `directory`, most recently written first. Unreadable files are skipped. */
export function listSessions(directory: string, limit = Number.POSITIVE_INFINITY): SessionSummary[] {
  const sessions: SessionSummary[] = [];
  for (const file of listSessionFiles(directory)) {
    if (sessions.length >= limit) break;
    try {
      const loaded = readSessionFile(file.path);
      const first = loaded.messages.find((message) => message.role === "user");
      sessions.push({
        id: loaded.header.id,
        path: file.path,
        createdAt: loaded.header.createdAt,
        updatedAt: file.updatedAt,
        cwd: loaded.header.cwd,
        model: loaded.model,
        title: shorten(first === undefined ? "" : messageText(first)),
      });
    } catch {
      // Not a session file (or unreadable): not listed.
    }
  }
  return sessions;
}

interface SessionFile {
  id: string;
  path: string;
  updatedAt: Date;
}

/** `<id>.jsonl` files by modification time, newest first; a missing directory has none. Reads no file. */
function listSessionFiles(directory: string): SessionFile[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  const files: SessionFile[] = [];
  for (const name of names) {
    if (!name.endsWith(".jsonl")) continue;
    const id = name.slice(0, -".jsonl".length);
    if (!ID_PATTERN.test(id)) continue;
    const path = join(directory, name);
    try {
      const stat = statSync(path);
      if (stat.isFile()) files.push({ id, path, updatedAt: stat.mtime });
    } catch {
      // Removed while listing.
    }
  }
  return files.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || b.id.localeCompare(a.id));
}

function readSessionFile(path: string): LoadedSession {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SessionNotFoundError(`Cannot read session file ${path}: ${(error as Error).message}`);
  }
  let header: SessionHeader | undefined;
  const messages: ConversationMessage[] = [];
  let model = "";
  let skippedLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let entry: SessionEntry;
    try {
      entry = JSON.parse(line) as SessionEntry;
    } catch {
      skippedLines += 1;
      continue;
    }
    if (entry.type === "session" && header === undefined) {
      header = entry;
      model = entry.model;
    } else if (entry.type === "message") messages.push(entry.message);
    else if (entry.type === "event" && entry.event.type === "compaction" && Array.isArray(entry.event.messages)) {
      // A compaction snapshot replaces everything before it.
      messages.length = 0;
      messages.push(...entry.event.messages);
    } else if (entry.type === "model") model = entry.model;
  }
  if (header === undefined || header.version !== 1) {
    throw new SessionNotFoundError(`${path} is not a MonoClaw session file (its first line is not a version 1 session header).`);
  }
  return { header, messages, model, path, skippedLines };
}

function recentList(directory: string, files: SessionFile[]): string {
  if (files.length === 0) return ` There are no sessions yet in ${directory}.`;
  const lines = files.slice(0, 10).map((file) => {
    let title = "";
    try {
      const first = readSessionFile(file.path).messages.find((message) => message.role === "user");
      title = first === undefined ? "" : shorten(messageText(first));
    } catch {
      title = "(unreadable)";
    }
    return `  ${file.id}  ${file.updatedAt.toISOString().slice(0, 16).replace("T", " ")}  ${title}`;
  });
  const more = files.length > 10 ? `\n  … and ${files.length - 10} more (ls ${directory})` : "";
  return `\nRecent sessions (newest first):\n${lines.join("\n")}${more}\nResume one with --resume <id>, or the newest with --continue.`;
}

/** The text parts of a message, joined (tool calls, results and images left out). */
export function messageText(message: ConversationMessage): string {
  if (typeof message.content === "string") return message.content;
  if (!Array.isArray(message.content)) return "";
  return message.content.map((part) => ("type" in part && part.type === "text" && "text" in part ? String(part.text) : "")).join(" ");
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}
