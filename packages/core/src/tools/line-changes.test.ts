import { describe, expect, it } from "vitest";
import { type LineSpan, lineChanges } from "./line-changes.js";

/** `a` with every change applied: must equal `b`, and changes must come in order without overlapping. */
function applyChanges(a: string[], b: string[], changes: LineSpan[]): string[] {
  const result: string[] = [];
  let at = 0;
  let bAt = 0;
  for (const change of changes) {
    if (change.aStart < at || change.aStart - at !== change.bStart - bAt) throw new Error(`change ${JSON.stringify(change)} overlaps or skews`);
    for (; at < change.aStart; at += 1) result.push(a[at]!);
    for (let j = change.bStart; j < change.bEnd; j += 1) result.push(b[j]!);
    at = change.aEnd;
    bAt = change.bEnd;
  }
  for (; at < a.length; at += 1) result.push(a[at]!);
  return result;
}

/** CPU milliseconds `run` takes (not wall time: the machine may be busy with other work). */
function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const changedLines = (changes: LineSpan[]) => changes.reduce((sum, c) => sum + (c.aEnd - c.aStart) + (c.bEnd - c.bStart), 0);

describe("lineChanges", () => {
  it("finds the smallest change set for a small edit", () => {
    expect(lineChanges(["a", "b", "c", "d"], ["a", "x", "c", "d", "e"])).toEqual([
      { aStart: 1, aEnd: 2, bStart: 1, bEnd: 2 },
      { aStart: 4, aEnd: 4, bStart: 4, bEnd: 5 },
    ]);
  });

  it("stays exact when Myers gives up on a small but tangled span: it is split at the unchanged unique lines", () => {
    // 5000 lines, 1250 changed: Myers would need about 1250^2 steps, over its budget per span.
    const a = Array.from({ length: 5_000 }, (_, i) => (i % 4 === 0 ? `call oldName(${i})` : `line ${i}`));
    const b = a.map((line) => line.replace("oldName", "newName"));
    const changes = lineChanges(a, b);
    expect(changes.length).toBe(1_250);
    expect(changes.every((c) => c.aEnd - c.aStart === 1 && c.bEnd - c.bStart === 1 && c.aStart % 4 === 0)).toBe(true);
    expect(applyChanges(a, b, changes).join("\n") === b.join("\n")).toBe(true);
  });

  it("stays exact on a big span: a rename on every fourth of 200k lines is split at the unchanged unique lines", () => {
    const a = Array.from({ length: 200_000 }, (_, i) => (i % 4 === 0 ? `call oldName(${i})` : `line ${i}`));
    const b = a.map((line) => line.replace("oldName", "newName"));
    let changes: LineSpan[] = [];
    expect(cpuMs(() => (changes = lineChanges(a, b)))).toBeLessThan(10_000);
    expect(changes.length).toBe(50_000);
    expect(changes[1]).toEqual({ aStart: 4, aEnd: 5, bStart: 4, bEnd: 5 });
    expect(applyChanges(a, b, changes).join("\n") === b.join("\n")).toBe(true);
  });

  it("finishes bounded on 200k lines that all differ, as one whole change", () => {
    const a = Array.from({ length: 200_000 }, (_, i) => `old ${i}`);
    const b = Array.from({ length: 200_000 }, (_, i) => `new ${i}`);
    let changes: LineSpan[] = [];
    expect(cpuMs(() => (changes = lineChanges(a, b)))).toBeLessThan(10_000);
    expect(changes).toEqual([{ aStart: 0, aEnd: 200_000, bStart: 0, bEnd: 200_000 }]);
  });

  it("finishes bounded on 200k lines drawn from two values (no unique lines to split at), and is still correct", () => {
    let seed = 7;
    const coin = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % 2 === 0 ? "x" : "y";
    };
    const a = Array.from({ length: 200_000 }, coin);
    const b = Array.from({ length: 200_000 }, coin);
    let changes: LineSpan[] = [];
    expect(cpuMs(() => (changes = lineChanges(a, b)))).toBeLessThan(10_000);
    expect(applyChanges(a, b, changes).join("\n") === b.join("\n")).toBe(true);
  });

  it("reports a span whole once the budget is spent, and the result is still correct", () => {
    const a = ["keep", "one", "two", "three", "keep too"];
    const b = ["keep", "1", "two", "3", "keep too"];
    // Common first and last lines cost nothing and are always left out.
    expect(lineChanges(a, b, 0)).toEqual([{ aStart: 1, aEnd: 4, bStart: 1, bEnd: 4 }]);
    // Positive control: with budget, only the changed lines.
    expect(lineChanges(a, b)).toEqual([
      { aStart: 1, aEnd: 2, bStart: 1, bEnd: 2 },
      { aStart: 3, aEnd: 4, bStart: 3, bEnd: 4 },
    ]);
    expect(changedLines(lineChanges(a, b, 0))).toBeGreaterThan(changedLines(lineChanges(a, b)));
  });
});
