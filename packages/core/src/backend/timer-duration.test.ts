import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createRealHostBackend } from "../agent/real-backends.test-helpers.js";
import { BackendError } from "./backend-error.js";
import { effectiveTimeoutMs } from "./exec-deadline.js";
import { isTimerDurationMs, isTimerDurationSeconds, MAX_TIMER_MS, MAX_TIMER_SECONDS, secondsToTimerMs } from "./timer-duration.js";

describe("timer durations", () => {
  it.each([
    ["a huge timeout (Node would fire it after 1 ms)", 9_999_999],
    ["one second above the timer's limit", MAX_TIMER_SECONDS + 1],
    ["infinity (YAML .inf)", Number.POSITIVE_INFINITY],
    ["NaN (YAML .nan)", Number.NaN],
    ["a negative number", -5],
    ["zero when zero has no meaning", 0],
    ["less than a millisecond", 0.0001],
    ["a string", "30"],
    ["null", null],
  ])("rejects %s as seconds", (_what, value) => {
    expect(isTimerDurationSeconds(value)).toBe(false);
  });

  it("accepts the whole range a timer can wait for, and 0 only where 0 means something", () => {
    expect([0.001, 1, 180, MAX_TIMER_SECONDS].map((seconds) => isTimerDurationSeconds(seconds))).toEqual([true, true, true, true]);
    expect(isTimerDurationSeconds(0, { zeroAllowed: true })).toBe(true);
    expect(isTimerDurationSeconds(1.5, { wholeSeconds: true })).toBe(false);
    expect(secondsToTimerMs(MAX_TIMER_SECONDS)).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(secondsToTimerMs(0.001)).toBe(1);
    expect(isTimerDurationMs(MAX_TIMER_MS)).toBe(true);
    expect(isTimerDurationMs(MAX_TIMER_MS + 1)).toBe(false);
  });

  it("refuses a timeoutMs a timer cannot wait for, requested or as the backend's default", () => {
    expect(effectiveTimeoutMs(undefined, 1000)).toBe(1000);
    expect(effectiveTimeoutMs(MAX_TIMER_MS, 1000)).toBe(MAX_TIMER_MS);
    for (const requested of [MAX_TIMER_MS + 1, Number.POSITIVE_INFINITY, Number.NaN, -1]) {
      expect(() => effectiveTimeoutMs(requested, 1000)).toThrow(/timeoutMs must be a number of milliseconds from 1 to 2147483647/);
    }
    expect(() => effectiveTimeoutMs(undefined, 3_000_000_000)).toThrow(/the backend's default timeout must be/);
  });

  it("never ends a command at once for a long timeout: the longest allowed one runs the command, one above it is refused", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "monoclaw-timer-"));
    const backend = await createRealHostBackend({ cwd });
    try {
      const started = Date.now();
      const result = await backend.exec("sleep 0.3; echo finished", { timeoutMs: MAX_TIMER_MS });
      expect(result).toMatchObject({ exitCode: 0, timedOut: false });
      expect(new TextDecoder().decode(result.stdout.head)).toBe("finished\n");
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      const refused = await backend.exec("echo never", { timeoutMs: 3_000_000_000 }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(BackendError);
      expect((refused as BackendError).code).toBe("INVALID");
    } finally {
      await backend.dispose();
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
