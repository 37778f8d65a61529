/** The longest delay setTimeout honours (2^31-1 ms, about 24.8 days); longer ones fire immediately. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Calls `callback` at `when`, however far away: waits in steps of at most
 * {@link MAX_TIMEOUT_MS}, re-reading the clock at each step, so a one-shot
 * weeks away fires on time instead of at once. A time in the past fires on the
 * next tick. Returns a cancel function; cancelling after it fired does nothing.
 */
export function setLongTimeout(when: Date, callback: () => void, now: () => number = Date.now): () => void {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = (): void => {
    if (cancelled) return;
    const remaining = when.getTime() - now();
    if (remaining <= 0) {
      callback();
      return;
    }
    timer = setTimeout(arm, Math.min(remaining, MAX_TIMEOUT_MS));
  };
  // Never call back synchronously, even for a time in the past.
  timer = setTimeout(arm, 0);
  return () => {
    cancelled = true;
    if (timer) clearTimeout(timer);
  };
}
