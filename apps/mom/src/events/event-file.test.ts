import { describe, expect, it, vi } from "vitest";
import { nextCronRun, parseEventFile } from "./event-file.js";
import { MAX_TIMEOUT_MS, setLongTimeout } from "./long-timer.js";

describe("event files", () => {
  it("parses the three kinds", () => {
    expect(parseEventFile('{"type":"immediate","channelId":"C123ABC","text":"hi"}')).toEqual({
      event: { type: "immediate", channelId: "C123ABC", text: "hi" },
    });
    expect("event" in parseEventFile('{"type":"one-shot","channelId":"D123ABC","text":"x","at":"2030-01-01T09:00:00+01:00"}')).toBe(true);
    expect("event" in parseEventFile('{"type":"periodic","channelId":"C123ABC","text":"x","schedule":"0 9 * * 1-5","timezone":"Europe/Vienna"}')).toBe(true);
  });

  it("names what is wrong", () => {
    expect(parseEventFile("{nope")).toEqual({ error: expect.stringContaining("not valid JSON") });
    expect(parseEventFile('{"type":"weekly"}')).toEqual({ error: expect.stringContaining(`'type' must be "immediate", "one-shot" or "periodic"`) });
    expect(parseEventFile('{"type":"one-shot","channelId":"C123ABC","text":"x","at":"2030-01-01 09:00"}')).toEqual({
      error: expect.stringContaining("'at': must be an ISO 8601 time with an offset"),
    });
    expect(parseEventFile('{"type":"periodic","channelId":"C123ABC","text":"x","schedule":"every day","timezone":"Mars/Base"}')).toEqual({
      error: expect.stringMatching(/'timezone': must be an IANA time zone.*'schedule': not a valid cron schedule/),
    });
    expect(parseEventFile('{"type":"immediate","channelId":"../etc","text":"x","extra":1}')).toEqual({
      error: expect.stringMatching(/'channelId': must be a Slack channel.*unknown field\(s\) 'extra'/),
    });
  });

  it("computes cron runs in the event's time zone", () => {
    const after = new Date("2026-03-02T00:00:00Z"); // a Monday
    expect(nextCronRun("0 9 * * 1-5", "Europe/Vienna", after)?.toISOString()).toBe("2026-03-02T08:00:00.000Z");
    expect(nextCronRun("0 9 * * 1-5", "America/New_York", after)?.toISOString()).toBe("2026-03-02T14:00:00.000Z");
  });

  it("a timer weeks away waits instead of firing at once (setTimeout would overflow)", () => {
    vi.useFakeTimers();
    try {
      const start = Date.now();
      const fired: number[] = [];
      setLongTimeout(new Date(start + 40 * 24 * 3600 * 1000), () => fired.push(Date.now() - start));
      vi.advanceTimersByTime(MAX_TIMEOUT_MS);
      expect(fired).toEqual([]);
      vi.advanceTimersByTime(39 * 24 * 3600 * 1000 - MAX_TIMEOUT_MS);
      expect(fired).toEqual([]);
      vi.advanceTimersByTime(24 * 3600 * 1000);
      expect(fired).toEqual([40 * 24 * 3600 * 1000]);
      const cancel = setLongTimeout(new Date(Date.now() + 1000), () => fired.push(-1));
      cancel();
      vi.advanceTimersByTime(2000);
      expect(fired).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
