import { describe, expect, it } from "vitest";
import { myersChanges } from "./myers-changes.js";

const whole = (a: string[], b: string[]) => ({ aStart: 0, aEnd: a.length, bStart: 0, bEnd: b.length });

describe("myersChanges", () => {
  it("finds the shortest edit script, as changed spans in order", () => {
    const a = "abcabba".split("");
    const b = "cbabac".split("");
    const { changes } = myersChanges(a, b, whole(a, b), 1_000);
    // Myers' own example: 5 edits (D = 5).
    expect(changes!.reduce((sum, c) => sum + (c.aEnd - c.aStart) + (c.bEnd - c.bStart), 0)).toBe(5);
    // Delete "ab", insert "b" after "c", delete the second "b", append "c".
    expect(changes).toEqual([
      { aStart: 0, aEnd: 2, bStart: 0, bEnd: 0 },
      { aStart: 3, aEnd: 3, bStart: 1, bEnd: 2 },
      { aStart: 5, aEnd: 6, bStart: 4, bEnd: 4 },
      { aStart: 7, aEnd: 7, bStart: 5, bEnd: 6 },
    ]);
  });

  it("works inside a span, reporting positions in the whole arrays", () => {
    const a = ["x", "x", "p", "q", "y"];
    const b = ["x", "x", "p", "Q", "y"];
    expect(myersChanges(a, b, { aStart: 2, aEnd: 4, bStart: 2, bEnd: 4 }, 1_000).changes).toEqual([{ aStart: 3, aEnd: 4, bStart: 3, bEnd: 4 }]);
  });

  it("gives up once its work passes the bound, having spent about that much", () => {
    const a = Array.from({ length: 1_000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 1_000 }, (_, i) => `b${i}`);
    const attempt = myersChanges(a, b, whole(a, b), 10_000);
    expect(attempt.changes).toBeUndefined();
    // One round past the bound at most: round d costs d + 1, and d is about 140 here.
    expect(attempt.work).toBeGreaterThan(10_000);
    expect(attempt.work).toBeLessThan(10_000 + 200);
    // Positive control: with room, the same input is solved (everything replaced).
    expect(myersChanges(a, b, whole(a, b), 10_000_000).changes).toEqual([{ aStart: 0, aEnd: 1_000, bStart: 0, bEnd: 1_000 }]);
  });
});
