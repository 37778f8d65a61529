import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Where full outputs go: `$TMPDIR/monoclaw-output/<pid>-<start time>/`, one
 * directory per MonoClaw process. The process id and its start time (clock
 * ticks since boot, from /proc; 0 where there is no /proc) name the owner, so
 * a later process can tell a live owner from a dead one, even when the pid has
 * been reused, and remove what a killed process left behind.
 */
export function spillRoot(): string {
  return join(tmpdir(), "monoclaw-output");
}

/** Directory names of per-process spill directories: `<pid>-<start ticks>`. */
const OWNER_NAME = /^(\d+)-(\d+)$/;
/** Files and directories of versions before per-process directories, removed once this old. */
const LEGACY_MAX_AGE_MS = 24 * 3600 * 1000;

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined when unknown. */
function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** A name for a process that a later one can check: `<pid>-<start ticks>` (see {@link isProcessOwnerAlive}). */
export function processOwnerName(pid = process.pid): string {
  return `${pid}-${processStartTicks(pid) ?? "0"}`;
}

/** The spill directory of this process (not created). */
export function processSpillDirectory(): string {
  return join(spillRoot(), processOwnerName());
}

/** Whether the process a {@link processOwnerName} names is still running (the same process: a reused pid has another start time). */
export function isProcessOwnerAlive(name: string): boolean {
  const match = OWNER_NAME.exec(name);
  if (match === null) return false;
  const pid = Number(match[1]);
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, but another user's.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const start = processStartTicks(pid);
  // No /proc: trust the pid alone.
  return match[2] === "0" || start === undefined || start === match[2];
}

let swept = false;

/**
 * Creates this process's spill directory (mode 0700) and returns it. The
 * first call in a process also removes what dead processes left behind
 * (see {@link sweepStaleSpillDirectories}): MonoClaw killed with SIGKILL,
 * or a crashed mom, cleans up after itself on its next start.
 */
export function ensureProcessSpillDirectory(): string {
  if (!swept) {
    swept = true;
    sweepStaleSpillDirectories();
  }
  const directory = processSpillDirectory();
  // The root first, checked before anything is made inside it.
  mkdirSync(spillRoot(), { recursive: true, mode: 0o700 });
  if (isOwnDirectory(spillRoot())) mkdirSync(directory, { recursive: true, mode: 0o700 });
  if (!isOwnDirectory(spillRoot()) || !isOwnDirectory(directory)) {
    throw new Error(
      `refusing to keep command output in ${directory}: ${spillRoot()} is a symbolic link or not a directory of this user (made inside a sandbox, if $TMPDIR is in a mounted directory?); remove it or set TMPDIR to a private directory`,
    );
  }
  return directory;
}

/**
 * True for a real directory (not a link) owned by this user. The spill root
 * is under $TMPDIR, which may be a directory a sandbox writes: a link there
 * would send output files, and the sweep's removals, anywhere on the host.
 */
function isOwnDirectory(path: string): boolean {
  const info = lstatSync(path, { throwIfNoEntry: false });
  return info !== undefined && info.isDirectory() && (process.getuid === undefined || info.uid === process.getuid());
}

/**
 * Removes the spill directories of processes that are no longer running,
 * and files and directories of older versions (loose `*.log` files,
 * `monoclaw-output-<hex>` directories) not touched for a day. Returns the
 * bytes freed. Never throws: what cannot be removed stays.
 */
export function sweepStaleSpillDirectories(root = spillRoot()): number {
  let freed = 0;
  const now = Date.now();
  if (!isOwnDirectory(root)) return 0; // a link made in a sandbox: never remove through it
  for (const name of safeReaddir(root)) {
    const path = join(root, name);
    const stale = OWNER_NAME.test(name) ? !isProcessOwnerAlive(name) : isOld(path, now);
    if (!stale) continue;
    freed += diskUsage(path).bytes;
    rmSync(path, { recursive: true, force: true });
  }
  // Tool output stores of versions that kept them beside the root.
  const parent = join(root, "..");
  for (const name of safeReaddir(parent)) {
    if (!/^monoclaw-output-[0-9a-f]{16}$/.test(name)) continue;
    const path = join(parent, name);
    if (!isOld(path, now)) continue;
    freed += diskUsage(path).bytes;
    rmSync(path, { recursive: true, force: true });
  }
  return freed;
}

/** What the spill root holds: every byte, and the part belonging to processes no longer running. */
export interface SpillUsage {
  root: string;
  bytes: number;
  files: number;
  staleBytes: number;
  /** Processes (directory names) still running that own spill files. */
  liveOwners: string[];
}

/** Measures the spill root (for `monoclaw doctor`). Never throws. */
export function spillUsage(root = spillRoot()): SpillUsage {
  const usage: SpillUsage = { root, bytes: 0, files: 0, staleBytes: 0, liveOwners: [] };
  for (const name of safeReaddir(root)) {
    const { bytes, files } = diskUsage(join(root, name));
    usage.bytes += bytes;
    usage.files += files;
    if (OWNER_NAME.test(name) && isProcessOwnerAlive(name)) usage.liveOwners.push(name);
    else usage.staleBytes += bytes;
  }
  return usage;
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function isOld(path: string, now: number): boolean {
  try {
    return now - statSync(path).mtimeMs > LEGACY_MAX_AGE_MS;
  } catch {
    return false;
  }
}

/** Bytes and files under `path` (not following links). */
function diskUsage(path: string): { bytes: number; files: number } {
  try {
    const info = lstatSync(path, { throwIfNoEntry: false });
    if (info === undefined) return { bytes: 0, files: 0 };
    if (!info.isDirectory()) return { bytes: info.size, files: 1 };
    let bytes = 0;
    let files = 0;
    for (const name of safeReaddir(path)) {
      const inner = diskUsage(join(path, name));
      bytes += inner.bytes;
      files += inner.files;
    }
    return { bytes, files };
  } catch {
    return { bytes: 0, files: 0 };
  }
}
