/**
 * The durations Node's timers can wait for. `setTimeout` stores its delay in a
 * signed 32-bit integer: anything above 2^31-1 ms (about 24.8 days), and
 * `Infinity`, silently becomes 1 ms, so a "very long" timeout would end every
 * command at once. MonoClaw rejects such durations instead of stepping them:
 * a command timeout of weeks is almost always a typo, and an error naming the
 * range is easier to act on than a timer that never fires.
 */

/** The longest delay `setTimeout` honours, in milliseconds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The longest duration in whole seconds that still fits a timer (2147483 s, about 24.8 days). */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/** The shortest non-zero duration a timer can tell apart from "now": 1 ms. */
export const MIN_TIMER_SECONDS = 0.001;

export interface DurationRule {
  /** True when 0 is allowed and means something of its own (such as "never"); say what in `zeroMeans`. */
  zeroAllowed?: boolean;
  /** What 0 means, shown in the allowed range, e.g. "only at exit". */
  zeroMeans?: string;
  /** Whole seconds only (e.g. `idle_timeout`). */
  wholeSeconds?: boolean;
}

/** The range a duration in seconds may take, as shown in errors, e.g. `a number of seconds from 0.001 to 2147483 (about 24.8 days)`. */
export function durationRangeText(rule: DurationRule = {}): string {
  const kind = rule.wholeSeconds === true ? "a whole number of seconds" : "a number of seconds";
  const low = rule.zeroAllowed === true ? "0" : rule.wholeSeconds === true ? "1" : String(MIN_TIMER_SECONDS);
  const zero = rule.zeroAllowed === true && rule.zeroMeans !== undefined ? `; 0: ${rule.zeroMeans}` : "";
  return `${kind} from ${low} to ${MAX_TIMER_SECONDS} (about 24.8 days)${zero}`;
}

/**
 * True when `value` is a duration in seconds a timer can wait for under
 * `rule`: a finite number, not negative, at least 1 ms unless it is an
 * allowed 0, at most {@link MAX_TIMER_SECONDS}. Rejects NaN, `Infinity`
 * (YAML `.inf`), strings and everything else that is not a number.
 */
export function isTimerDurationSeconds(value: unknown, rule: DurationRule = {}): value is number {
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (rule.wholeSeconds === true && !Number.isInteger(value)) return false;
  if (value === 0) return rule.zeroAllowed === true;
  return value >= MIN_TIMER_SECONDS && value <= MAX_TIMER_SECONDS;
}

/** True when `value` is a number of milliseconds from 1 to {@link MAX_TIMER_MS} (the contract's `timeoutMs`). */
export function isTimerDurationMs(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 1 && value <= MAX_TIMER_MS;
}

/** Seconds (already validated) to whole milliseconds, never 0 for a non-zero duration. */
export function secondsToTimerMs(seconds: number): number {
  if (seconds === 0) return 0;
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.round(seconds * 1000)));
}
