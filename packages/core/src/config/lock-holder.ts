import { randomBytes } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Who holds a lock, written into the lock file so that a waiter can tell
 * whether the holder is gone. A pid alone is not enough: with `~/.monoclaw`
 * mounted into a container, the container's pid 1 is the host's init and the
 * host's pid 4242 may not exist inside, so a pid is only checked by a waiter
 * in the same pid namespace of the same boot.
 */
export interface LockHolder {
  /** For messages only: names the machine or container. */
  host: string;
  /** Linux `/proc/sys/kernel/random/boot_id`: namespaces only compare within one boot of one kernel. */
  boot?: string;
  /** Linux `readlink /proc/self/ns/pid`, such as `pid:[4026531836]`. */
  pidNamespace?: string;
  pid: number;
  /** Clock ticks after boot at which `pid` started (`/proc/<pid>/stat` field 22): a reused pid has another. */
  startTime?: string;
  /** Random, one per acquisition: tells a lock file from the one that replaced it. */
  token: string;
}

/** What a waiter can learn about the holder of a lock from where it runs. */
export type HolderStatus = "alive" | "gone" | "unknown";

/** This process as a new lock holder, with a fresh token. */
export function newLockHolder(): LockHolder {
  return { ...thisProcess(), token: randomBytes(12).toString("hex") };
}

/** The lock file's text: one JSON line. */
export function formatLockHolder(holder: LockHolder): string {
  return `${JSON.stringify(holder)}\n`;
}

/**
 * The holder a lock file names, or undefined when the text is not a complete
 * record (being written, damaged, or a bare pid from an earlier version,
 * which cannot say which namespace it came from).
 */
export function parseLockHolder(text: string): LockHolder | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const optionalString = (key: string) => record[key] === undefined || typeof record[key] === "string";
  if (typeof record.host !== "string" || typeof record.token !== "string" || record.token === "") return undefined;
  if (!Number.isSafeInteger(record.pid) || (record.pid as number) <= 0) return undefined;
  if (!optionalString("boot") || !optionalString("pidNamespace") || !optionalString("startTime")) return undefined;
  return {
    host: record.host,
    boot: record.boot as string | undefined,
    pidNamespace: record.pidNamespace as string | undefined,
    pid: record.pid as number,
    startTime: record.startTime as string | undefined,
    token: record.token,
  };
}

/**
 * True when the holder's pid means the same process here: same boot and pid
 * namespace on Linux; on systems without pid namespaces (macOS, Windows),
 * the same host name, and neither side reporting Linux identities.
 */
export function isSameNamespace(holder: LockHolder): boolean {
  const self = thisProcess();
  if (holder.boot !== undefined || holder.pidNamespace !== undefined || self.boot !== undefined || self.pidNamespace !== undefined) {
    return holder.boot !== undefined && holder.pidNamespace !== undefined && holder.boot === self.boot && holder.pidNamespace === self.pidNamespace;
  }
  return holder.host === self.host;
}

/**
 * "gone" when the holder's process has exited (or its pid now belongs to a
 * process started at another time); "alive" when that very process still
 * runs; "unknown" when that cannot be checked from here (another pid
 * namespace or machine, or no start times to rule out a reused pid), and
 * only the lock file's heartbeat can tell.
 */
export function holderStatus(holder: LockHolder): HolderStatus {
  if (!isSameNamespace(holder)) return "unknown";
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return "gone";
  }
  if (holder.startTime === undefined) return "unknown";
  const startTime = processStartTime(holder.pid);
  return startTime === holder.startTime ? "alive" : "gone";
}

/** `/proc/<pid>/stat` field 22, read after the parenthesised name (which may hold spaces and parentheses). */
export function processStartTime(pid: number | "self"): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the name start at field 3 (state), so field 22 is the 20th.
    return stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .at(19);
  } catch {
    return undefined;
  }
}

let cachedIdentity: Omit<LockHolder, "token"> | undefined;

/** This process's identity; a process never changes boot or pid namespace, so it is read once. */
function thisProcess(): Omit<LockHolder, "token"> {
  cachedIdentity ??= {
    host: hostname(),
    boot: readOrUndefined(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()),
    pidNamespace: readOrUndefined(() => readlinkSync("/proc/self/ns/pid")),
    pid: process.pid,
    startTime: processStartTime("self"),
  };
  return cachedIdentity;
}

function readOrUndefined(read: () => string): string | undefined {
  try {
    return read() || undefined;
  } catch {
    return undefined;
  }
}
