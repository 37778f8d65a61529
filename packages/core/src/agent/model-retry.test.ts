import { APICallError } from "ai";
import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY, describeModelError, retryAfterMs, retryDelayMs, retryReason } from "./model-retry.js";

function apiError(statusCode: number | undefined, headers: Record<string, string> = {}, body?: string): APICallError {
  return new APICallError({
    message: "failed",
    url: "http://127.0.0.1:1/v1/chat/completions",
    requestBodyValues: {},
    ...(statusCode === undefined ? {} : { statusCode }),
    responseHeaders: headers,
    ...(body === undefined ? {} : { responseBody: body }),
    isRetryable: statusCode === undefined || statusCode === 429 || statusCode >= 500,
    ...(statusCode === undefined ? { cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) } : {}),
  });
}

describe("model retry policy", () => {
  it("retries 429, 5xx and network errors, not client errors", () => {
    expect(retryReason(apiError(429))).toBe("rate limited (HTTP 429)");
    expect(retryReason(apiError(503))).toBe("server error (HTTP 503)");
    expect(retryReason(apiError(undefined))).toBe("network error (ECONNREFUSED)");
    expect(retryReason(apiError(400))).toBeUndefined();
    expect(retryReason(apiError(401))).toBeUndefined();
    expect(retryReason(new Error("boom"))).toBeUndefined();
  });

  it("reads retry-after-ms, retry-after in seconds and as an HTTP date", () => {
    expect(retryAfterMs(apiError(429, { "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMs(apiError(429, { "Retry-After": "3" }))).toBe(3000);
    const now = Date.parse("2026-11-23T12:00:00Z");
    expect(retryAfterMs(apiError(429, { "retry-after": "Mon, 23 Nov 2026 12:00:05 GMT" }), now)).toBe(5000);
    expect(retryAfterMs(apiError(429))).toBeUndefined();
  });

  it("backs off exponentially without retry-after, and caps every wait", () => {
    const options = { ...DEFAULT_RETRY, initialDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(apiError(500), attempt, options))).toEqual([100, 200, 400, 800, 1000]);
    expect(retryDelayMs(apiError(429, { "retry-after": "60" }), 1, options)).toBe(1000);
  });

  it("describes failures for a person, with the provider's own message", () => {
    expect(describeModelError(apiError(404, {}, '{"error":{"message":"model gpt-9 does not exist"}}'))).toBe(
      "The model server answered HTTP 404: model gpt-9 does not exist (http://127.0.0.1:1/v1/chat/completions). Check the model id and base URL.",
    );
    expect(describeModelError(apiError(undefined))).toBe("Cannot reach the model at http://127.0.0.1:1/v1/chat/completions (ECONNREFUSED).");
  });
});
