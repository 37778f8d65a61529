import { ToolError } from "./agent-tool.js";

/** How long one file tool call may take: 32 MB travels well within it, a stuck file system does not hold a channel for good. */
export const FILE_TOOL_TIMEOUT_MS = 60_000;

/**
 * Runs a file tool's work with a signal that aborts when the person stops the
 * turn (`@mom stop`, Ctrl-C) or after `timeoutMs`, and returns at that moment
 * with a ToolError even when the backend has not let go yet: a read stuck in
 * the kernel must never keep the turn, or mom's channel, waiting.
 */
export async function withFileDeadline<T>(
  what: string,
  signal: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number = FILE_TOOL_TIMEOUT_MS,
): Promise<T> {
  const controller = new AbortController();
  let stopped: ((error: ToolError) => void) | undefined;
  const stop = new Promise<never>((_resolve, reject) => (stopped = reject));
  const end = (error: ToolError) => {
    controller.abort(error);
    stopped?.(error);
  };
  const onAbort = () => end(new ToolError(`${what} was stopped: the turn was aborted.`));
  const timer = setTimeout(
    () =>
      end(
        new ToolError(
          `${what} did not finish within ${timeoutMs / 1000} s and was stopped (a slow or stuck file system?). Try it with bash and a timeout instead.`,
        ),
      ),
    timeoutMs,
  );
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await Promise.race([work(controller.signal), stop]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}
