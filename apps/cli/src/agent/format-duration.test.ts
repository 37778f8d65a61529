import { describe, expect, it } from "vitest";
import { formatDuration } from "./format-duration.js";

describe("formatDuration", () => {
  it("uses milliseconds, seconds with one decimal, then minutes", () => {
    expect(formatDuration(0)).toBe("0ms");
    expect(formatDuration(12.4)).toBe("12ms");
    expect(formatDuration(1250)).toBe("1.3s");
    expect(formatDuration(125_000)).toBe("2m 05s");
    expect(formatDuration(Number.NaN)).toBe("0ms");
  });
});
