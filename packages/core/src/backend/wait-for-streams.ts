import type { Readable } from "node:stream";

/**
 * After a process exited, waits until its output streams have ended, so no
 * byte it wrote is lost. A background process that inherited the pipes can
 * keep them open forever, so the wait also ends once no data arrived for
 * `idleMs`, or after `maxMs` in all; the streams are then destroyed (later
 * output of such a background process is not read).
 */
export function waitForStreamsEnd(streams: ReadonlyArray<Readable | null | undefined>, options: { idleMs?: number; maxMs?: number } = {}): Promise<void> {
  const open = streams.filter((s): s is Readable => s != null && !s.readableEnded && !s.destroyed);
  if (open.length === 0) return Promise.resolve();
  const idleMs = options.idleMs ?? 200;
  const maxMs = options.maxMs ?? 2000;
  return new Promise((resolve) => {
    let pending = open.length;
    let idleTimer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(idleTimer);
      clearTimeout(maxTimer);
      for (const stream of open) {
        stream.off("data", onData);
        stream.off("close", onEnd);
        stream.off("end", onEnd);
        if (!stream.readableEnded) stream.destroy();
      }
      resolve();
    };
    let chunks = 0;
    // The idle check runs after one more poll phase (setImmediate), so data
    // already in the pipe is read first even if this process was descheduled.
    const armIdle = (): void => {
      clearTimeout(idleTimer);
      const seen = chunks;
      idleTimer = setTimeout(() => setImmediate(() => (chunks === seen ? finish() : armIdle())), idleMs);
    };
    const onData = (): void => {
      chunks++;
    };
    const ended = new Set<Readable>();
    const onEnd = function (this: Readable): void {
      if (ended.has(this)) return;
      ended.add(this);
      if (--pending === 0) finish();
    };
    const maxTimer = setTimeout(finish, maxMs);
    for (const stream of open) {
      stream.on("data", onData);
      stream.once("end", onEnd);
      stream.once("close", onEnd);
    }
    armIdle();
  });
}
