/** Why a Slack call gave up: mom is stopping and its grace ran out. */
export class SlackCutoffError extends Error {
  constructor() {
    super("mom is stopping and Slack did not answer in time");
    this.name = "SlackCutoffError";
  }
}

/**
 * The end of mom's patience with Slack at shutdown. Until `begin` every call
 * waits as long as Slack's client does (it retries for minutes); once the
 * grace has run out every call still waiting, and every later one, gives up
 * at once, so a Slack that is down or hangs cannot hold mom's exit.
 * A listener per call, removed when it settles: nothing accumulates over a
 * long-running mom.
 */
export class SlackCutoff {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  /** Starts the grace (idempotent: the first call sets the deadline). */
  begin(graceMs: number): void {
    if (this.timer || this.controller.signal.aborted) return;
    this.timer = setTimeout(() => this.controller.abort(new SlackCutoffError()), graceMs);
    this.timer.unref();
  }

  /**
   * Settles as `call` does, or rejects with a SlackCutoffError once the
   * grace is over. A function is not called at all after the grace.
   */
  bound<T>(start: Promise<T> | (() => Promise<T>)): Promise<T> {
    const signal = this.controller.signal;
    if (signal.aborted) {
      if (typeof start !== "function") start.catch(() => undefined); // its own failure no longer matters
      return Promise.reject(signal.reason as Error);
    }
    const call = typeof start === "function" ? start() : start;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        call.catch(() => undefined);
        reject(signal.reason as Error);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      call.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }
}
