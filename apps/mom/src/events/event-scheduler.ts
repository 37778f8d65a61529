import { watch, type FSWatcher } from "node:fs";
import { join } from "node:path";
import { ConfinedPathError, isNotFoundError, type ConfinedDir } from "@monoclaw/core";
import { nextCronRun, parseEventFile, type ScheduledEvent } from "./event-file.js";
import { setLongTimeout } from "./long-timer.js";

/** One firing of a scheduled event, handed to the bot as a message for the event's channel. */
export interface EventFiring {
  fileName: string;
  event: ScheduledEvent;
  /** When it was due (now for immediate events). */
  dueAt: Date;
  /** True for a one-shot whose time passed while mom was not running. */
  late: boolean;
}

export interface EventSchedulerOptions {
  /** The data dir: every read, move and removal goes through it (no link made in the sandbox is followed). */
  files: ConfinedDir;
  /** The events directory relative to `files`' root (`events`). */
  eventsDir: string;
  /**
   * Runs one firing; resolves when the run has ended. Immediate and one-shot
   * files are removed only after it resolves, so a crash mid-run fires them
   * again at the next start instead of losing them. When it rejects (the
   * event could not even be queued) the file stays and the firing is retried.
   */
  fire: (firing: EventFiring) => Promise<void>;
  log: (message: string) => void;
  /** How often the directory is re-read besides file-system notifications (default 30 s). */
  rescanIntervalMs?: number;
  /** Wait before trying again an immediate or one-shot event whose `fire` rejected (default 30 s). */
  retryDelayMs?: number;
}

interface Tracked {
  signature: string;
  cancel: () => void;
}

/** Files this young that fail to parse may still be being written: they are re-read before being moved aside. */
const SETTLE_MS = 1000;
const INVALID_DIR = "invalid";
/** An event file is a few lines of JSON; anything larger is invalid and never read whole. */
export const EVENT_FILE_MAX_BYTES = 64 * 1024;

/**
 * Watches `<data>/events/` and fires what its files describe.
 *
 * - Picked up at start and whenever a file appears, changes or disappears
 *   (fs.watch, plus a periodic re-scan in case a notification is missed).
 *   A changed file is re-scheduled; a removed one is cancelled.
 * - An invalid file is never deleted: it is moved to `events/invalid/` with a
 *   `<name>.reason.txt` beside it saying what is wrong.
 * - A one-shot whose time passed while mom was down fires at start, marked
 *   late. Periodic events do not replay missed runs: they continue with the
 *   next match of the schedule.
 * - Delays longer than setTimeout's limit (24.8 days) are handled.
 * - An entry that is a symbolic link, a FIFO or a device is never followed or
 *   read: it is moved aside (the link itself) with the reason. A link in
 *   place of `events/` or `events/invalid/` is refused, never followed.
 */
export class EventScheduler {
  private readonly tracked = new Map<string, Tracked>();
  private watcher: FSWatcher | undefined;
  private interval: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private rescanRequested = false;
  private stopped = false;

  constructor(private readonly options: EventSchedulerOptions) {}

  async start(): Promise<void> {
    const { files, eventsDir } = this.options;
    let watchable = true;
    try {
      await files.mkdirp(eventsDir);
    } catch (error) {
      // E.g. `events` replaced by a link in the sandbox: not followed, not watched; the re-scans report it.
      watchable = false;
      this.options.log(`events: cannot use ${eventsDir}/: ${(error as Error).message}`);
    }
    await this.scan();
    if (watchable) {
      // Notifications only trigger a re-scan; the re-scan reads through the confined handle.
      this.watcher = watch(join(files.root, eventsDir), () => this.requestScan(100));
      this.watcher.on("error", (error) => this.options.log(`events: watching ${eventsDir} failed: ${error.message}`));
    }
    this.interval = setInterval(() => this.requestScan(0), this.options.rescanIntervalMs ?? 30_000);
    this.interval.unref();
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    if (this.interval) clearInterval(this.interval);
    if (this.debounce) clearTimeout(this.debounce);
    for (const entry of this.tracked.values()) entry.cancel();
    this.tracked.clear();
  }

  /** Re-reads the directory now (tests and the periodic re-scan use it). */
  async scan(): Promise<void> {
    if (this.scanning) {
      this.rescanRequested = true;
      return this.scanning;
    }
    this.scanning = this.scanOnce().finally(() => {
      this.scanning = undefined;
      if (this.rescanRequested && !this.stopped) {
        this.rescanRequested = false;
        void this.scan();
      }
    });
    return this.scanning;
  }

  private requestScan(delayMs: number): void {
    if (this.stopped) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.scan(), delayMs);
  }

  private async scanOnce(): Promise<void> {
    const dir = this.options.eventsDir;
    let names: string[];
    try {
      names = (await this.options.files.readdir(dir))
        .filter((entry) => entry.kind !== "directory" && entry.name.endsWith(".json"))
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      this.options.log(`events: cannot read ${dir}: ${(error as Error).message}`);
      return;
    }
    const present = new Set(names);
    for (const [name, entry] of this.tracked) {
      if (present.has(name)) continue;
      entry.cancel();
      this.tracked.delete(name);
    }
    for (const name of names) {
      if (this.stopped) return;
      await this.consider(name);
    }
  }

  private async consider(name: string): Promise<void> {
    let info: { mtimeMs: number; size: number };
    let text: string;
    try {
      const read = await this.readEvent(name);
      if (read.truncated) {
        await this.moveAside(name, `it is ${read.size} bytes; an event file holds at most ${EVENT_FILE_MAX_BYTES}`);
        return;
      }
      info = read;
      text = read.bytes.toString("utf8");
    } catch (error) {
      // A link, FIFO or device: moved aside as it is, never followed or read.
      if (error instanceof ConfinedPathError) await this.moveAside(name, error.message);
      return; // or removed meanwhile
    }
    const signature = `${info.mtimeMs}:${info.size}:${text.length}`;
    const known = this.tracked.get(name);
    if (known?.signature === signature) return;
    known?.cancel();
    this.tracked.delete(name);

    const parsed = parseEventFile(text);
    if ("error" in parsed) {
      if (Date.now() - info.mtimeMs < SETTLE_MS) {
        this.requestScan(SETTLE_MS);
        return;
      }
      await this.moveAside(name, parsed.error);
      return;
    }
    const event = parsed.event;
    const entry: Tracked = { signature, cancel: () => undefined };
    this.tracked.set(name, entry);

    if (event.type === "immediate") {
      entry.cancel = setLongTimeout(new Date(), () => void this.fireOnce(name, entry, event, new Date(), false));
      return;
    }
    if (event.type === "one-shot") {
      const at = new Date(event.at);
      const late = at.getTime() < Date.now();
      if (late) this.options.log(`events: ${name} was due at ${event.at} while mom was not running; firing it now, marked late`);
      entry.cancel = setLongTimeout(at, () => void this.fireOnce(name, entry, event, at, late));
      return;
    }
    this.schedulePeriodic(name, entry, event);
  }

  private schedulePeriodic(name: string, entry: Tracked, event: Extract<ScheduledEvent, { type: "periodic" }>): void {
    const next = nextCronRun(event.schedule, event.timezone, new Date());
    if (!next) {
      this.options.log(`events: ${name} has no further runs of '${event.schedule}'`);
      return;
    }
    entry.cancel = setLongTimeout(next, () => {
      if (this.tracked.get(name) !== entry) return;
      this.options
        .fire({ fileName: name, event, dueAt: next, late: false })
        .catch((error: unknown) => this.options.log(`events: ${name} failed: ${(error as Error).message}`));
      this.schedulePeriodic(name, entry, event);
    });
  }

  private async fireOnce(name: string, entry: Tracked, event: ScheduledEvent, dueAt: Date, late: boolean): Promise<void> {
    if (this.tracked.get(name) !== entry) return;
    try {
      await this.options.fire({ fileName: name, event, dueAt, late });
    } catch (error) {
      // Not run (channel too busy, ...): keep the file and try again, never lose it.
      const retryMs = this.options.retryDelayMs ?? 30_000;
      this.options.log(`events: ${name} could not run (${(error as Error).message}); retrying in ${Math.round(retryMs / 1000)} s`);
      if (this.tracked.get(name) === entry) {
        entry.cancel = setLongTimeout(new Date(Date.now() + retryMs), () => void this.fireOnce(name, entry, event, dueAt, late));
      }
      return;
    }
    // Remove the file only if it was not replaced while the run went on.
    if (this.tracked.get(name) !== entry) return;
    try {
      const read = await this.readEvent(name);
      const text = read.bytes.toString("utf8");
      if (`${read.mtimeMs}:${read.size}:${text.length}` === entry.signature) await this.options.files.unlink(this.eventPath(name));
    } catch (error) {
      if (!isNotFoundError(error)) this.options.log(`events: ${name} ran but could not be removed: ${(error as Error).message}`);
    }
    if (this.tracked.get(name) === entry) this.tracked.delete(name);
  }

  private async moveAside(name: string, reason: string): Promise<void> {
    const { files, eventsDir } = this.options;
    const invalidDir = `${eventsDir}/${INVALID_DIR}`;
    try {
      await files.rename(this.eventPath(name), `${invalidDir}/${name}`, { makeParents: true });
      await files.writeFileAtomic(`${invalidDir}/${name}.reason.txt`, `${new Date().toISOString()}: ${name} is not a valid event file: ${reason}\n`);
      this.options.log(`events: ${name} is invalid (${reason}); moved to ${invalidDir}/${name}`);
    } catch (error) {
      if (isNotFoundError(error) && !(await files.stat(this.eventPath(name)).catch(() => undefined))) return; // removed meanwhile
      this.options.log(`events: ${name} is invalid (${reason}) and could not be moved aside: ${(error as Error).message}`);
    }
  }

  private eventPath(name: string): string {
    return `${this.options.eventsDir}/${name}`;
  }

  private readEvent(name: string) {
    return this.options.files.readFile(this.eventPath(name), { maxBytes: EVENT_FILE_MAX_BYTES });
  }
}

/** The message a firing becomes in its channel: the file and kind in brackets, then the text. */
export function eventMessageText(firing: EventFiring): string {
  const { event, fileName } = firing;
  const when = event.type === "periodic" ? `${event.schedule} ${event.timezone}` : event.type === "one-shot" ? event.at : "now";
  const late = firing.late ? ` (delivered late at ${new Date().toISOString()}: mom was not running when it was due)` : "";
  return `[EVENT:${fileName}:${event.type}:${when}]${late} ${event.text}`;
}
