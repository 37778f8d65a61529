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

  /** Resolves once the consumer has taken every event pushed so far (or stopped iterating). */
  drained(): Promise<void> {
    if (this.queue.length === 0 || this.ended) return Promise.resolve();
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
          const item = this.queue.shift() as T;
          if (this.queue.length === 0) this.releaseDrainWaiters();
          yield item;
          continue;
        }
        if (this.ended) {
          finished = true;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
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
