import { BackendError } from "./backend-error.js";
import { isTimerDurationMs, MAX_TIMER_MS } from "./timer-duration.js";

/** Why a command is being stopped before it ended by itself. */
export type StopReason = "timeout" | "abort";

/** Watches one command's timeout and AbortSignal; see {@link watchDeadline}. */
export interface Deadline {
  /** Set once the timeout fired or the signal aborted. */
  readonly reason: StopReason | undefined;
  /** Clears the timer and the abort listener. Idempotent. */
  dispose(): void;
}

/**
 * Calls `onStop` once, when `timeoutMs` passes or `signal` aborts, whichever
 * comes first (an already-aborted signal fires on the next microtask, so the
 * caller has finished its setup). Never fires after `dispose`.
 */
export function watchDeadline(options: { timeoutMs: number; signal?: AbortSignal | undefined }, onStop: (reason: StopReason) => void): Deadline {
  let reason: StopReason | undefined;
  let disposed = false;
  const fire = (why: StopReason): void => {
    if (disposed || reason !== undefined) return;
    reason = why;
    onStop(why);
  };
  const timer = setTimeout(() => fire("timeout"), options.timeoutMs);
  const onAbort = (): void => fire("abort");
  const signal = options.signal;
  if (signal?.aborted) queueMicrotask(onAbort);
  else signal?.addEventListener("abort", onAbort, { once: true });
  return {
    get reason() {
      return reason;
    },
    dispose() {
      disposed = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * The timeout to use: `requested` when it is a positive number, the backend's
 * `fallbackMs` when it is 0 or absent. Rejects negative, non-numeric, infinite
 * values and values above what a timer can wait for ({@link MAX_TIMER_MS},
 * about 24.8 days: Node would fire such a timer after 1 ms) with a
 * BackendError `INVALID`, whether they were requested or the fallback.
 */
export function effectiveTimeoutMs(requested: number | undefined, fallbackMs: number): number {
  const useFallback = requested === undefined || requested === 0;
  const timeoutMs = useFallback ? fallbackMs : requested;
  if (!isTimerDurationMs(timeoutMs)) {
    const which = useFallback ? "the backend's default timeout" : "timeoutMs";
    throw new BackendError(
      "INVALID",
      `${which} must be a number of milliseconds from 1 to ${MAX_TIMER_MS} (about 24.8 days; 0 for the default), got ${String(timeoutMs)}`,
    );
  }
  return timeoutMs;
}
