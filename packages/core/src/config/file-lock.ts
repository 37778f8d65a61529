import type { Stats } from "node:fs";
import { mkdir, open, readFile, realpath, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

export interface FileLockOptions {
  /** How long to wait for another holder before giving up. Default 10 s. */
  timeoutMs?: number;
  /** A lock file older than this whose holder cannot be checked is taken over. Default 60 s. */
  staleMs?: number;
}

/** The lock could not be taken in time; the message says who holds it and how to clear it. */
export class FileLockTimeoutError extends Error {
  override readonly name = "FileLockTimeoutError";

  constructor(
    readonly lockFile: string,
    readonly holderPid: number | undefined,
  ) {
    const holder = holderPid === undefined ? "another process" : `process ${holderPid}`;
    super(
      `${lockFile} is held by ${holder}, which is editing the same file. ` + `Try again when it is done; if no such process is running, delete ${lockFile}.`,
    );
  }
}

const RETRY_MS = 25;
/** Locks held by this process, per lock file: in-process callers queue here instead of polling. */
const heldHere = new Map<string, Promise<void>>();

/**
 * Runs `fn` while holding `<file>.lock`, so read-modify-write cycles on `file`
 * by several processes (two `monoclaw config set` at once) happen one after
 * the other and no edit is lost. The lock file holds the owner's pid; one
 * whose owner is gone (crashed) or that is older than `staleMs` is taken over.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const lockFile = `${await realpath(file).catch(() => file)}.lock`;
  const previous = heldHere.get(lockFile) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const queued = previous.then(() => mine);
  heldHere.set(lockFile, queued);
  try {
    await previous;
    await acquire(lockFile, options);
    try {
      return await fn();
    } finally {
      await unlink(lockFile).catch(() => undefined);
    }
  } finally {
    release();
    if (heldHere.get(lockFile) === queued) heldHere.delete(lockFile);
  }
}

async function acquire(lockFile: string, options: FileLockOptions): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const staleMs = options.staleMs ?? 60_000;
  await mkdir(dirname(lockFile), { recursive: true, mode: 0o700 });
  for (;;) {
    try {
      const handle = await open(lockFile, "wx", 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const seen = await stat(lockFile).catch(() => undefined);
    if (seen === undefined) continue; // released meanwhile
    const holder = await readHolder(lockFile);
    if (isAbandoned(seen, holder, staleMs)) {
      // Only the lock file we judged: another waiter may have replaced it already.
      const now = await stat(lockFile).catch(() => undefined);
      if (now?.ino === seen.ino) await unlink(lockFile).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) throw new FileLockTimeoutError(lockFile, holder);
    await delay(RETRY_MS);
  }
}

async function readHolder(lockFile: string): Promise<number | undefined> {
  const text = await readFile(lockFile, "utf8").catch(() => "");
  const pid = Number.parseInt(text, 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** The holder has exited, or (when its pid is unreadable) the lock is older than `staleMs`. */
function isAbandoned(lock: Stats, holder: number | undefined, staleMs: number): boolean {
  // Callers in this process queue in `heldHere`, so our own pid is left over
  // from an earlier process that had it (pids repeat, in containers often).
  if (holder === process.pid) return true;
  if (holder !== undefined) {
    try {
      process.kill(holder, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ESRCH";
    }
  }
  return Date.now() - lock.mtimeMs > staleMs;
}
