import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { type FileHandle, link, mkdir, open, readFile, realpath, rename, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { type LockHolder, formatLockHolder, holderStatus, isSameNamespace, newLockHolder, parseLockHolder } from "./lock-holder.js";

export interface FileLockOptions {
  /** How long to wait for another holder before giving up. Default 15 s (longer than `staleMs`, so an abandoned lock never needs deleting by hand). */
  timeoutMs?: number;
  /**
   * A lock whose holder cannot be checked from here (it runs in another
   * container's pid namespace or on another machine, or the lock file is
   * unreadable) is taken over once its file has not been refreshed for this
   * long. Default 10 s. Keep it several times every holder's `heartbeatMs`.
   */
  staleMs?: number;
  /** How often the holder refreshes its lock file's mtime while it runs. Default 1 s. */
  heartbeatMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_STALE_MS = 10_000;
const DEFAULT_HEARTBEAT_MS = 1_000;
const RETRY_MS = 25;

/** The lock could not be taken in time; the message says who holds it and how to clear it. */
export class FileLockTimeoutError extends Error {
  override readonly name = "FileLockTimeoutError";
  /** The holder's pid when it means a process here (same pid namespace), else undefined. */
  readonly holderPid: number | undefined;

  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder | undefined,
    staleMs: number,
  ) {
    const local = holder !== undefined && isSameNamespace(holder);
    const takeOver = `it is taken over ${staleMs / 1000} s after its holder stops refreshing it`;
    const who =
      holder === undefined
        ? "another process"
        : local
          ? `process ${holder.pid}`
          : `process ${holder.pid} on ${holder.host} (another container or machine, so that pid means nothing here)`;
    const clear = local ? `if no such process is running, delete ${lockFile}` : `${takeOver}, or delete ${lockFile} if no such process is running`;
    super(`${lockFile} is held by ${who}, which is editing the same file. Try again when it is done; ${clear}.`);
    this.holderPid = local ? holder.pid : undefined;
  }
}

/** Locks held by this process, per lock file: in-process callers queue here instead of polling. */
const heldHere = new Map<string, Promise<void>>();

/**
 * Runs `fn` while holding `<file>.lock`, so read-modify-write cycles on `file`
 * by several processes (two `monoclaw config set` at once, on the host and in
 * a container sharing `~/.monoclaw`) happen one after the other and no edit is
 * lost. The lock file names its holder (see {@link LockHolder}) and its mtime
 * is refreshed every `heartbeatMs`. A waiter takes it over when the holder is
 * gone: checked by pid and start time when the holder shares its pid
 * namespace, otherwise (a pid from elsewhere means nothing here) only once the
 * file has not been refreshed for `staleMs`.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  if (!(heartbeatMs > 0))
    throw new RangeError(`withFileLock: heartbeatMs is ${heartbeatMs}; give a positive number of milliseconds (default ${DEFAULT_HEARTBEAT_MS})`);
  const lockFile = `${await realpath(file).catch(() => file)}.lock`;
  const previous = heldHere.get(lockFile) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const queued = previous.then(() => mine);
  heldHere.set(lockFile, queued);
  try {
    await previous;
    const handle = await acquire(lockFile, options);
    const heartbeat = setInterval(() => {
      const now = new Date();
      // Through the handle: a lock file that replaced ours is never refreshed by us.
      handle.utimes(now, now).catch(() => undefined);
    }, heartbeatMs);
    heartbeat.unref();
    try {
      return await fn();
    } finally {
      clearInterval(heartbeat);
      await releaseLock(lockFile, handle);
    }
  } finally {
    release();
    if (heldHere.get(lockFile) === queued) heldHere.delete(lockFile);
  }
}

async function acquire(lockFile: string, options: FileLockOptions): Promise<FileHandle> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  await mkdir(dirname(lockFile), { recursive: true, mode: 0o700 });
  for (;;) {
    const handle = await create(lockFile);
    if (handle !== undefined) return handle;
    const seen = await inspect(lockFile);
    if (seen === undefined) continue; // released meanwhile
    if (isAbandoned(seen, staleMs)) {
      await removeAbandoned(lockFile, seen);
      continue;
    }
    if (Date.now() >= deadline) throw new FileLockTimeoutError(lockFile, seen.holder, staleMs);
    await delay(RETRY_MS);
  }
}

/** Creates the lock file naming this process, or returns undefined when it exists. */
async function create(lockFile: string): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(lockFile, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw error;
  }
  try {
    await handle.writeFile(formatLockHolder(newLockHolder()));
    return handle;
  } catch (error) {
    await releaseLock(lockFile, handle);
    throw error;
  }
}

/** A lock file as one waiter saw it. */
interface SeenLock {
  stats: Stats;
  holder: LockHolder | undefined;
}

async function inspect(path: string): Promise<SeenLock | undefined> {
  const stats = await stat(path).catch(() => undefined);
  if (stats === undefined) return undefined;
  const text = await readFile(path, "utf8").catch(() => "");
  return { stats, holder: parseLockHolder(text) };
}

/** The holder is known to be gone, or cannot be checked from here and has not refreshed the file for `staleMs`. */
function isAbandoned(seen: SeenLock, staleMs: number): boolean {
  const status = seen.holder === undefined ? "unknown" : holderStatus(seen.holder);
  if (status !== "unknown") return status === "gone";
  return Date.now() - seen.stats.mtimeMs > staleMs;
}

/**
 * Removes the lock file judged abandoned, and only that one: another waiter
 * may have removed it and a new holder created its own since we looked. The
 * file is renamed aside first (atomic), then checked to be the one judged
 * (same inode, token and mtime, so one refreshed since is also kept); a
 * different one is put back unless a new lock took its place meanwhile
 * (then two holders overlap: that takes a lock judged abandoned, replaced and
 * taken again within these few system calls, and is not ruled out).
 */
async function removeAbandoned(lockFile: string, judged: SeenLock): Promise<void> {
  const aside = `${lockFile}.stale-${randomBytes(6).toString("hex")}`;
  try {
    await rename(lockFile, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // another waiter removed it
    throw error;
  }
  const moved = await inspect(aside);
  if (moved !== undefined && !isSameLockFile(moved, judged)) {
    await link(aside, lockFile).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

function isSameLockFile(a: SeenLock, b: SeenLock): boolean {
  return a.stats.dev === b.stats.dev && a.stats.ino === b.stats.ino && a.stats.mtimeMs === b.stats.mtimeMs && a.holder?.token === b.holder?.token;
}

/** Removes the lock file if it is still ours (a waiter may have judged it abandoned and replaced it), then closes it. */
async function releaseLock(lockFile: string, handle: FileHandle): Promise<void> {
  try {
    const [ours, current] = await Promise.all([handle.stat(), stat(lockFile).catch(() => undefined)]);
    if (current !== undefined && current.dev === ours.dev && current.ino === ours.ino) await unlink(lockFile).catch(() => undefined);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
