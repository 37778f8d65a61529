import { watch, type FSWatcher } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
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
    await mkdir(this.options.eventsDir, { recursive: true });
    await this.scan();
    this.watcher = watch(this.options.eventsDir, () => this.requestScan(100));
    this.watcher.on("error", (error) => this.options.log(`events: watching ${this.options.eventsDir} failed: ${error.message}`));
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
      names = (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
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
    const path = join(this.options.eventsDir, name);
    let info: Awaited<ReturnType<typeof stat>>;
    let text: string;
    try {
      info = await stat(path);
      if (!info.isFile()) return;
      text = await readFile(path, "utf8");
    } catch {
      return; // removed meanwhile
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
    const path = join(this.options.eventsDir, name);
    try {
      const info = await stat(path);
      const text = await readFile(path, "utf8");
      if (`${info.mtimeMs}:${info.size}:${text.length}` === entry.signature) await rm(path, { force: true });
    } catch {
      // already gone
    }
    if (this.tracked.get(name) === entry) this.tracked.delete(name);
  }

  private async moveAside(name: string, reason: string): Promise<void> {
    const invalidDir = join(this.options.eventsDir, INVALID_DIR);
    await mkdir(invalidDir, { recursive: true });
    const target = join(invalidDir, name);
    try {
      await rename(join(this.options.eventsDir, name), target);
      await writeFile(`${target}.reason.txt`, `${new Date().toISOString()}: ${name} is not a valid event file: ${reason}\n`);
      this.options.log(`events: ${name} is invalid (${reason}); moved to events/${INVALID_DIR}/${name}`);
    } catch (error) {
      this.options.log(`events: ${name} is invalid (${reason}) and could not be moved aside: ${(error as Error).message}`);
    }
  }
}

/** The message a firing becomes in its channel: the file and kind in brackets, then the text. */
export function eventMessageText(firing: EventFiring): string {
  const { event, fileName } = firing;
  const when =
    event.type === "periodic" ? `${event.schedule} ${event.timezone}` : event.type === "one-shot" ? event.at : "now";
  const late = firing.late ? ` (delivered late at ${new Date().toISOString()}: mom was not running when it was due)` : "";
  return `[EVENT:${fileName}:${event.type}:${when}]${late} ${event.text}`;
}
