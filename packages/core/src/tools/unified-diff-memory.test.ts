import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const sourceRoot = fileURLToPath(new URL("..", import.meta.url));
/** The old-space limit the child runs under: a D x (N + M) diff of these inputs needs gigabytes. */
const HEAP_MB = 256;

/** Transpiles `entry` and every module it imports by a relative path into `outDir`, so a plain `node` child can load it. */
function transpileTree(entry: string, outDir: string): void {
  const pending = [entry];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const js = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const out = join(outDir, relative(sourceRoot, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
    for (const [, path] of js.matchAll(/from\s+"(\.\.?\/[^"]+)\.js"/g)) pending.push(resolve(dirname(file), `${path}.ts`));
  }
}

/** What the child does: builds its input in its own heap, so the whole edit (texts, replacement, diff) is under the limit. */
const CHILD = `
import { unifiedDiff } from "./tools/unified-diff.js";

const scenario = process.argv[2];
let before;
let after;
if (scenario === "hold-400-mb") {
  // Positive control for the limit itself: 50 arrays of 1M doubles stay reachable.
  const held = [];
  for (let i = 0; i < 50; i += 1) held.push(new Array(1_000_000).fill(i + 0.5));
  console.log(JSON.stringify({ held: held.length }));
  process.exit(0);
} else if (scenario === "replace-all-20-mb") {
  // A source-like file: every fourth line calls the function being renamed.
  const lines = [];
  let size = 0;
  for (let i = 0; size < 20 * 1024 * 1024; i += 1) {
    const line = i % 4 === 0 ? \`  result\${i} = legacyCompute(input\${i}, "padding");\` : \`  const value\${i} = other(\${i}) + \${i * 7}; // note\`;
    lines.push(line);
    size += line.length + 1;
  }
  before = lines.join("\\n") + "\\n";
  lines.length = 0;
  // As the edit tool does it with replace_all.
  after = before.split("legacyCompute").join("modernCompute");
} else if (scenario === "all-different-200k") {
  before = Array.from({ length: 200_000 }, (_, i) => \`old line \${i}\`).join("\\n") + "\\n";
  after = Array.from({ length: 200_000 }, (_, i) => \`new line \${i}\`).join("\\n") + "\\n";
}
const diff = unifiedDiff("big.js", before, after);
const lines = diff.split("\\n");
console.log(JSON.stringify({ inputBytes: before.length, diffBytes: Buffer.byteLength(diff), diffLines: lines.length, head: lines.slice(0, 12), last: lines[lines.length - 1] }));
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "unified-diff-memory-"));
  transpileTree(join(sourceRoot, "tools", "unified-diff.ts"), dir);
  writeFileSync(join(dir, "child.mjs"), CHILD);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function runChild(scenario: string) {
  const run = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, join(dir, "child.mjs"), scenario], {
    encoding: "utf8",
    timeout: 110_000,
  });
  return { status: run.status, stderr: run.stderr, result: run.status === 0 ? JSON.parse(run.stdout) : undefined };
}

describe(`unifiedDiff in a ${HEAP_MB} MB heap`, () => {
  it(`the limit is real: a child holding 400 MB dies of it`, () => {
    const run = runChild("hold-400-mb");
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("heap out of memory");
  });

  it("diffs a replace_all over a 20 MB file in the limit, and the diff keeps to 2000 lines / 50 KB", () => {
    const run = runChild("replace-all-20-mb");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const { inputBytes, diffBytes, diffLines, head, last } = run.result;
    expect(inputBytes).toBeGreaterThan(20 * 1024 * 1024);
    expect(diffBytes).toBeLessThan(51_200 + 400);
    expect(diffLines).toBeLessThanOrEqual(2001);
    // The shown part is the exact diff of the top of the file: one change every fourth line, one hunk.
    expect(head.slice(0, 2)).toEqual(["--- a/big.js", "+++ b/big.js"]);
    expect(head[2]).toMatch(/^@@ -1,(\d+) \+1,\1 @@$/);
    expect(head.slice(3, 12)).toEqual([
      '-  result0 = legacyCompute(input0, "padding");',
      '+  result0 = modernCompute(input0, "padding");',
      "   const value1 = other(1) + 7; // note",
      "   const value2 = other(2) + 14; // note",
      "   const value3 = other(3) + 21; // note",
      '-  result4 = legacyCompute(input4, "padding");',
      '+  result4 = modernCompute(input4, "padding");',
      "   const value5 = other(5) + 35; // note",
      "   const value6 = other(6) + 42; // note",
    ]);
    expect(last).toMatch(/^\[diff cut: the changes from line \d+ of the new file on \((\d+) lines removed, \1 added\) are not shown/);
  });

  it("finishes in the limit on 200k lines that all differ, saying the diff was left out", () => {
    const run = runChild("all-different-200k");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.result.diffLines).toBe(3);
    expect(run.result.last).toBe(
      "[diff cut: the changes from line 1 of the new file on (200000 lines removed, 200000 added) are not shown, over the limit of 2000 lines / 51200 bytes of diff. Read big.js to see them.]",
    );
  });
});
