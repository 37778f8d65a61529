/** A model call that sent nothing for too long; retried like a network error. */
export class ModelStallError extends Error {
  override readonly name = "ModelStallError";
  constructor(readonly idleMs: number) {
    super(`The model sent nothing for ${formatIdle(idleMs)}.`);
  }
}

/** `300 ms`, `5 s`. */
export function formatIdle(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** Default idle limit of a model call (first byte included): generous, for models that think long. */
export const DEFAULT_MODEL_IDLE_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * Watches a streaming call: `signal` aborts when the outer signal does, or
 * when `touch()` was not called for `idleMs`; then `stalled` is true.
 * `dispose()` stops the timer.
 */
export function createStallGuard(outer: AbortSignal, idleMs: number) {
  const controller = new AbortController();
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort(new ModelStallError(idleMs));
    }, idleMs);
  };
  arm();
  return {
    signal: AbortSignal.any([outer, controller.signal]),
    touch: arm,
    get stalled() {
      return stalled;
    },
    dispose: () => clearTimeout(timer),
  };
}
