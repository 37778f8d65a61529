/** A unit of work for one channel; it must end promptly once `signal` aborts. */
export type RunJob = (signal: AbortSignal) => Promise<void>;

export interface RunSchedulerOptions {
  /** Runs allowed at the same time across all channels (default 4). */
  maxConcurrent?: number;
  /** Jobs that may wait per channel behind the running one (default 20). */
  maxQueuedPerChannel?: number;
  /** Called when a job throws (a bug: jobs report their own failures). */
  onError?: (channel: string, error: unknown) => void;
}

export type SubmitResult =
  | { accepted: true /** Jobs ahead of this one in its channel (0: it starts now, or as soon as a global slot frees). */; ahead: number }
  | { accepted: false; reason: string };

interface ChannelQueue {
  running: AbortController | undefined;
  waiting: RunJob[];
}

/**
 * One run at a time per channel, channels in parallel, at most
 * `maxConcurrent` runs overall. Jobs of a channel run in submission order.
 * A job that cannot be queued is refused with a reason (never dropped
 * silently). `stop` aborts the channel's running job; waiting jobs still run.
 */
export class RunScheduler {
  private readonly channels = new Map<string, ChannelQueue>();
  /** Channels whose next job waits for a global slot, in arrival order. */
  private readonly waitingForSlot: string[] = [];
  private active = 0;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly options: RunSchedulerOptions = {}) {
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? 4);
    this.maxQueued = Math.max(0, options.maxQueuedPerChannel ?? 20);
  }

  submit(channel: string, job: RunJob): SubmitResult {
    const queue = this.queue(channel);
    const ahead = queue.waiting.length + (queue.running ? 1 : 0);
    if (queue.waiting.length >= this.maxQueued && ahead > 0) {
      const waiting = queue.waiting.length;
      return { accepted: false, reason: `${waiting} ${waiting === 1 ? "request is" : "requests are"} already waiting in this channel` };
    }
    queue.waiting.push(job);
    if (!queue.running && !this.waitingForSlot.includes(channel)) this.waitingForSlot.push(channel);
    this.pump();
    return { accepted: true, ahead };
  }

  /** Whether the channel has a job running. */
  isRunning(channel: string): boolean {
    return this.channels.get(channel)?.running !== undefined;
  }

  /** Jobs waiting in the channel (the running one excluded). */
  waitingCount(channel: string): number {
    return this.channels.get(channel)?.waiting.length ?? 0;
  }

  /** Aborts the channel's running job; returns false when nothing was running. */
  stop(channel: string): boolean {
    const running = this.channels.get(channel)?.running;
    if (!running) return false;
    running.abort(new Error("stopped by the user"));
    return true;
  }

  /** Aborts every running job and forgets waiting ones (shutdown). */
  stopAll(): void {
    for (const queue of this.channels.values()) {
      queue.waiting.length = 0;
      queue.running?.abort(new Error("mom is shutting down"));
    }
    this.waitingForSlot.length = 0;
  }

  /** Resolves when nothing runs or waits. */
  idle(): Promise<void> {
    if (this.active === 0 && this.waitingForSlot.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private queue(channel: string): ChannelQueue {
    let queue = this.channels.get(channel);
    if (!queue) {
      queue = { running: undefined, waiting: [] };
      this.channels.set(channel, queue);
    }
    return queue;
  }

  private pump(): void {
    while (this.active < this.maxConcurrent && this.waitingForSlot.length > 0) {
      const channel = this.waitingForSlot.shift()!;
      const queue = this.queue(channel);
      const job = queue.waiting.shift();
      if (!job || queue.running) continue;
      this.start(channel, queue, job);
    }
    if (this.active === 0 && this.waitingForSlot.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private start(channel: string, queue: ChannelQueue, job: RunJob): void {
    const controller = new AbortController();
    queue.running = controller;
    this.active += 1;
    void Promise.resolve()
      .then(() => job(controller.signal))
      .catch((error: unknown) => this.options.onError?.(channel, error))
      .finally(() => {
        queue.running = undefined;
        this.active -= 1;
        if (queue.waiting.length > 0) this.waitingForSlot.push(channel);
        else this.channels.delete(channel);
        this.pump();
      });
  }
}
