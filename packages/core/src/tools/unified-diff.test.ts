import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "./unified-diff.js";

/** `after` as git rebuilds it from `before` and the diff (`git apply` checks every count, context line and newline mark). */
function applyWithGit(before: string, diff: string): string {
  const dir = mkdtempSync(join(tmpdir(), "unified-diff-"));
  try {
    writeFileSync(join(dir, "f.txt"), before);
    writeFileSync(join(dir, "change.patch"), `${diff}\n`);
    execFileSync("git", ["apply", "--whitespace=nowarn", "change.patch"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    return readFileSync(join(dir, "f.txt"), "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A small deterministic random source (mulberry32), so a failing case can be replayed. */
function randomSource(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

  it("joins changes at most six unchanged lines apart into one hunk", () => {
    const lines = Array.from({ length: 20 }, (_, i) => `${i + 1}`);
    const six = lines.map((l) => (l === "4" || l === "11" ? `${l}!` : l));
    expect(unifiedDiff("j", `${lines.join("\n")}\n`, `${six.join("\n")}\n`).split("\n")[2]).toBe("@@ -1,14 +1,14 @@");
    const seven = lines.map((l) => (l === "4" || l === "12" ? `${l}!` : l));
    expect(unifiedDiff("j", `${lines.join("\n")}\n`, `${seven.join("\n")}\n`).match(/^@@ .*/gm)).toEqual(["@@ -1,7 +1,7 @@", "@@ -9,7 +9,7 @@"]);
  });

  it("counts only real lines: a final newline adds no empty context line", () => {
    expect(unifiedDiff("t", "alpha\nbeta\ngamma\n", "alpha\nBETA\ngamma\n")).toBe("--- a/t\n+++ b/t\n@@ -1,3 +1,3 @@\n alpha\n-beta\n+BETA\n gamma");
    expect(unifiedDiff("c", "mode=dev\n", "mode=prod\n")).toBe("--- a/c\n+++ b/c\n@@ -1,1 +1,1 @@\n-mode=dev\n+mode=prod");
  });

  it("handles insertions at the start and deletions at the end, marking a last line without a newline", () => {
    expect(unifiedDiff("g", "b\nc", "a\nb\nc")).toBe("--- a/g\n+++ b/g\n@@ -1,2 +1,3 @@\n+a\n b\n c\n\\ No newline at end of file");
    expect(unifiedDiff("g", "a\nb\nc", "a\nb")).toBe(
      "--- a/g\n+++ b/g\n@@ -1,3 +1,2 @@\n a\n-b\n-c\n\\ No newline at end of file\n+b\n\\ No newline at end of file",
    );
  });

  it("shows a newline added or removed at the end as a changed last line", () => {
    expect(unifiedDiff("e", "x", "x\n")).toBe("--- a/e\n+++ b/e\n@@ -1,1 +1,1 @@\n-x\n\\ No newline at end of file\n+x");
    expect(unifiedDiff("e", "x\n", "x")).toBe("--- a/e\n+++ b/e\n@@ -1,1 +1,1 @@\n-x\n+x\n\\ No newline at end of file");
  });

  it("names the line before an empty range, as for a file filled or emptied", () => {
    expect(unifiedDiff("n", "", "x\ny\n")).toBe("--- a/n\n+++ b/n\n@@ -0,0 +1,2 @@\n+x\n+y");
    expect(unifiedDiff("n", "x\ny\n", "")).toBe("--- a/n\n+++ b/n\n@@ -1,2 +0,0 @@\n-x\n-y");
  });

  it("produces diffs git applies exactly, over random edits of random texts", () => {
    const random = randomSource(11);
    for (let round = 0; round < 40; round += 1) {
      // Few distinct lines (many repeats) and many: both stress the line matching.
      const alphabet = round % 2 === 0 ? ["a", "b", "c", "{", "}", ""] : Array.from({ length: 200 }, (_, i) => `line ${i}`);
      const pick = () => alphabet[Math.floor(random() * alphabet.length)]!;
      const before = Array.from({ length: Math.floor(random() * 80) }, pick);
      const after = [...before];
      for (let edits = Math.floor(random() * 8); edits > 0; edits -= 1) {
        const at = Math.floor(random() * (after.length + 1));
        const what = random();
        if (what < 0.4) after.splice(at, 1 + Math.floor(random() * 3));
        else if (what < 0.8) after.splice(at, 0, ...Array.from({ length: 1 + Math.floor(random() * 3) }, pick));
        else after[at] = `changed ${round}`;
      }
      const ending = () => (random() < 0.2 ? "" : "\n");
      const beforeText = before.length === 0 ? "" : before.join("\n") + ending();
      const afterText = after.length === 0 ? "" : after.join("\n") + ending();
      const diff = unifiedDiff("f.txt", beforeText, afterText);
      if (beforeText === afterText) expect(diff).toBe("");
      else expect(applyWithGit(beforeText, diff), `round ${round}`).toBe(afterText);
    }
  });

  it("keeps to its limits, leaving out the hunks that do not fit and saying which", () => {
    const lines = Array.from({ length: 40 }, (_, i) => `${i + 1}`);
    const changed = lines.map((l) => (l === "2" || l === "15" || l === "30" ? `${l}!` : l));
    const before = `${lines.join("\n")}\n`;
    const after = `${changed.join("\n")}\n`;
    const whole = unifiedDiff("l.txt", before, after);
    expect(whole.match(/^@@ .*/gm)).toEqual(["@@ -1,5 +1,5 @@", "@@ -12,7 +12,7 @@", "@@ -27,7 +27,7 @@"]);
    expect(applyWithGit(before, whole.replaceAll("l.txt", "f.txt"))).toBe(after);
    const cut = unifiedDiff("l.txt", before, after, 3, { maxLines: 16, maxBytes: 10_000 });
    expect(cut).toBe(
      [
        "--- a/l.txt",
        "+++ b/l.txt",
        "@@ -1,5 +1,5 @@",
        " 1",
        "-2",
        "+2!",
        " 3",
        " 4",
        " 5",
        "[diff cut: the changes from line 15 of the new file on (2 lines removed, 2 added) are not shown, over the limit of 16 lines / 10000 bytes of diff. Read l.txt to see them.]",
      ].join("\n"),
    );
    // What is shown is still a diff git applies: the first change only.
    expect(applyWithGit(before, cut.split("\n").slice(0, -1).join("\n").replaceAll("l.txt", "f.txt"))).toBe(before.replace("\n2\n", "\n2!\n"));
  });

  it("leaves out a hunk with a huge line, keeping the diff small", () => {
    const huge = "x".repeat(5_000_000);
    const diff = unifiedDiff("min.js", `${huge}\n`, `${huge}y\n`);
    expect(diff).toBe(
      "--- a/min.js\n+++ b/min.js\n[diff cut: the changes from line 1 of the new file on (1 line removed, 1 added) are not shown, over the limit of 2000 lines / 51200 bytes of diff. Read min.js to see them.]",
    );
  });

  it("cuts one long hunk between two changes, with a header counting only what is shown", () => {
    // A change every fourth line: one hunk from top to bottom.
    const lines = Array.from({ length: 400 }, (_, i) => `row ${i}`);
    const before = `${lines.join("\n")}\n`;
    const after = `${lines.map((l, i) => (i % 4 === 0 ? `${l} renamed` : l)).join("\n")}\n`;
    expect(unifiedDiff("f.txt", before, after).match(/^@@ .*/gm)).toEqual(["@@ -1,400 +1,400 @@"]);
    const cut = unifiedDiff("f.txt", before, after, 3, { maxLines: 30, maxBytes: 10_000 });
    const shown = cut.split("\n");
    // 2 file headers, the hunk header, then 5 lines per change (the renamed row twice, 3 unchanged): 5 changes fit in 30 lines.
    expect(shown.length).toBe(3 + 5 * 5 + 1);
    expect(shown[2]).toBe("@@ -1,20 +1,20 @@");
    expect(shown[shown.length - 1]).toBe(
      "[diff cut: the changes from line 21 of the new file on (95 lines removed, 95 added) are not shown, over the limit of 30 lines / 10000 bytes of diff. Read f.txt to see them.]",
    );
    // The shown part applies: rows 0, 4, ..., 16 renamed, the rest as before.
    const partly = `${lines.map((l, i) => (i % 4 === 0 && i <= 16 ? `${l} renamed` : l)).join("\n")}\n`;
    expect(applyWithGit(before, shown.slice(0, -1).join("\n"))).toBe(partly);
  });
});
