import { APICallError } from "ai";
import { ModelStallError, formatIdle } from "./stall-guard.js";

/** How model calls are retried on 429, 5xx and network errors. */
export interface RetryOptions {
  /** Retries after the first attempt (default 4). */
  maxRetries?: number;
  /** First backoff delay; doubles on each retry (default 1000 ms). */
  initialDelayMs?: number;
  /** Longest wait, for backoff and for `retry-after` alike (default 60 s). */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { maxRetries: 4, initialDelayMs: 1000, maxDelayMs: 60_000 };

/** Why an error is worth retrying, or undefined when it is not (400, 401, 404...). */
export function retryReason(error: unknown): string | undefined {
  if (error instanceof ModelStallError) return `no response for ${formatIdle(error.idleMs)}`;
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === 429) return "rate limited (HTTP 429)";
    if (status !== undefined && status >= 500) return `server error (HTTP ${status})`;
    if (status === undefined && error.isRetryable) return `network error (${networkCause(error)})`;
    if (status === 408 || status === 409) return `HTTP ${status}`;
    return undefined;
  }
  if (error instanceof TypeError && /fetch failed|terminated|network/i.test(error.message)) return `network error (${networkCause(error)})`;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR_\w+)$/.test(code)) return `network error (${code})`;
  return undefined;
}

/** The innermost `code` or message of a network failure (`ECONNREFUSED`...). */
export function networkCause(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const next = (current as { cause?: unknown }).cause;
    if (next === undefined) break;
    current = next;
  }
  return current instanceof Error ? current.message : String(current);
}

/** Milliseconds the server asked to wait (`retry-after-ms`, `retry-after` in seconds or as an HTTP date), if it did. */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  if (!APICallError.isInstance(error)) return undefined;
  const headers = error.responseHeaders ?? {};
  const find = (name: string) => Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const ms = Number.parseFloat(find("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = find("retry-after");
  if (value === undefined) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before retry number `attempt` (1-based): `retry-after` when given, else exponential backoff; capped. */
export function retryDelayMs(error: unknown, attempt: number, options: Required<RetryOptions>): number {
  const asked = retryAfterMs(error);
  const delay = asked ?? options.initialDelayMs * 2 ** (attempt - 1);
  return Math.min(Math.round(delay), options.maxDelayMs);
}

/** Sleeps, resolving early (false) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A person-readable description of a model failure. */
export function describeModelError(error: unknown): string {
  if (APICallError.isInstance(error)) {
    const where = error.url;
    if (error.statusCode === undefined) return `Cannot reach the model at ${where} (${networkCause(error)}).`;
    const body = error.responseBody === undefined ? "" : `: ${extractMessage(error.responseBody)}`;
    const hint =
      error.statusCode === 401 || error.statusCode === 403 ? " Check the API key." : error.statusCode === 404 ? " Check the model id and base URL." : "";
    return `The model server answered HTTP ${error.statusCode}${body} (${where}).${hint}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function extractMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof parsed.error === "object" ? parsed.error?.message : (parsed.error ?? parsed.message);
    if (typeof message === "string") return message;
  } catch {
    // not JSON: use the text
  }
  return body.slice(0, 300);
}
