/**
 * A one-producer, one-consumer queue turned into an async iterable: the
 * producer pushes events from callbacks (live tool output) as well as from
 * its main flow; the consumer iterates. Unbounded, but the producer is the
 * agent, which pushes at the pace of the model and the command.
 */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  private drainWaiters: Array<() => void> = [];
  private consumerWaiting = false;
  private readonly onReturn: () => void;

  /** `onReturn` runs when the consumer stops iterating early (`break`). */
  constructor(onReturn: () => void = () => undefined) {
    this.onReturn = onReturn;
  }

  push(item: T): void {
    if (this.ended) return;
    this.queue.push(item);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** Resolves once the consumer has handled every event pushed so far and asked for the next (or stopped iterating). */
  drained(): Promise<void> {
    if (this.ended || (this.queue.length === 0 && this.consumerWaiting)) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let finished = false;
    try {
      while (true) {
        if (this.queue.length > 0) {
          yield this.queue.shift() as T;
          continue;
        }
        if (this.ended) {
          finished = true;
          return;
        }
        // The consumer came back for more with nothing queued: it has handled every event so far.
        this.consumerWaiting = true;
        this.releaseDrainWaiters();
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.consumerWaiting = false;
        this.wake = undefined;
      }
    } finally {
      if (!finished) {
        this.ended = true;
        this.releaseDrainWaiters();
        this.onReturn();
      }
    }
  }
}
