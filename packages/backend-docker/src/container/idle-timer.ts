/**
 * Stops a managed container after `idleSeconds` with no call in flight.
 * `whileBusy` holds the timer off for the duration of a call, so a container
 * is never stopped under a running command; the timer is re-armed when the
 * last call ends. A disabled timer (`idleSeconds` 0, keep_warm, attached
 * containers) only counts calls.
 */
export interface IdleTimer {
  whileBusy<T>(work: () => Promise<T>): Promise<T>;
  /** Cancels a pending stop for good (dispose). */
  cancel(): void;
}

export interface IdleTimerOptions {
  idleSeconds: number;
  /** False for keep_warm and attached containers: they are never stopped for idleness. */
  enabled: boolean;
  onIdle: () => void;
}

export function createIdleTimer(options: IdleTimerOptions): IdleTimer {
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  let cancelled = false;

  const clear = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const arm = () => {
    clear();
    if (cancelled || !options.enabled || options.idleSeconds === 0 || inFlight > 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (inFlight > 0 || cancelled) return;
      options.onIdle();
    }, options.idleSeconds * 1000);
    timer.unref();
  };

  return {
    async whileBusy(work) {
      inFlight++;
      clear();
      try {
        return await work();
      } finally {
        inFlight--;
        arm();
      }
    },
    cancel() {
      cancelled = true;
      clear();
    },
  };
}
