import { describe, expect, it } from "vitest";
import { unifiedDiff } from "./unified-diff.js";

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff("a.txt", "same\n", "same\n")).toBe("");
  });

  it("shows one change with three lines of context", () => {
    const before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    const after = "1\n2\n3\n4\nFIVE\n6\n7\n8\n9\n";
    expect(unifiedDiff("n.txt", before, after)).toBe(
      ["--- a/n.txt", "+++ b/n.txt", "@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+FIVE", " 6", " 7", " 8"].join("\n"),
    );
  });

  it("splits far-apart changes into separate hunks with correct line numbers", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const changed = [...lines];
    changed[1] = "CHANGED 2";
    changed.splice(25, 0, "inserted");
    const diff = unifiedDiff("f", `${lines.join("\n")}\n`, `${changed.join("\n")}\n`);
    const hunks = diff.split("\n").filter((l) => l.startsWith("@@"));
    expect(hunks).toEqual(["@@ -1,5 +1,5 @@", "@@ -23,6 +23,7 @@"]);
    expect(diff).toContain("-line 2\n+CHANGED 2");
    expect(diff).toContain(" line 25\n+inserted\n line 26");
  });

  it("handles insertions at the start and deletions at the end", () => {
    expect(unifiedDiff("g", "b\nc", "a\nb\nc")).toBe("--- a/g\n+++ b/g\n@@ -1,2 +1,3 @@\n+a\n b\n c");
    expect(unifiedDiff("g", "a\nb\nc", "a\nb")).toBe("--- a/g\n+++ b/g\n@@ -1,3 +1,2 @@\n a\n b\n-c");
  });
});
