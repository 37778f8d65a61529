/**
 * Backpressure from an `onOutput` listener to the source of a command's
 * output. A listener that cannot keep up (a slow terminal, a paused pipe)
 * returns a promise; the source is paused until every such promise has
 * settled, so the command blocks on its full pipe instead of MonoClaw
 * buffering its output in memory. {@link OutputFlow.release} resumes for
 * good: a command being ended must be able to drain and close whatever the
 * listener does.
 */
export interface OutputFlow {
  /** Takes what `onOutput` returned; pauses the source while it is pending. */
  hold(pending: Promise<void> | undefined): void;
  /** Resumes the source and ignores later holds. Idempotent. */
  release(): void;
}

/** Pauses and resumes one output source (a child's stdout pipe, an attach stream). */
export interface PausableSource {
  pause(): unknown;
  resume(): unknown;
}

export function createOutputFlow(source: PausableSource): OutputFlow {
  let pending = 0;
  let released = false;
  return {
    hold(promise) {
      if (promise === undefined || released) return;
      if (pending++ === 0) source.pause();
      const settle = () => {
        if (--pending === 0 && !released) source.resume();
      };
      promise.then(settle, settle);
    },
    release() {
      if (released) return;
      released = true;
      source.resume();
    },
  };
}
