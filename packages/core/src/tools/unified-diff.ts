/** One line-level edit operation. */
type Op = { kind: "same" | "del" | "add"; line: string };

/** Myers' O(ND) shortest edit script between two line arrays. */
function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const v = new Array<number>(2 * max + 2).fill(0);
  const trace: number[][] = [];
  outer: for (let d = 0; d <= max; d += 1) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && v[max + k - 1]! < v[max + k + 1]!);
      let x = down ? v[max + k + 1]! : v[max + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v[max + k] = x;
      if (x >= n && y >= m) break outer;
    }
  }
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d -= 1) {
    const vd = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && vd[max + k - 1]! < vd[max + k + 1]!);
    const prevK = down ? k + 1 : k - 1;
    const prevX = vd[max + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: "same", line: a[x - 1]! });
      x -= 1;
      y -= 1;
    }
    if (d > 0) {
      if (down) ops.push({ kind: "add", line: b[y - 1]! });
      else ops.push({ kind: "del", line: a[x - 1]! });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/**
 * A unified diff (`--- a/path`, `+++ b/path`, `@@` hunks with `context`
 * lines around each change) between two texts. Empty when they are equal.
 * Common leading and trailing lines are skipped before diffing, so a small
 * edit in a large file stays cheap.
 */
export function unifiedDiff(path: string, before: string, after: string, context = 3): string {
  if (before === after) return "";
  const a = before.split("\n");
  const b = after.split("\n");
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix += 1;
  const ops: Op[] = [
    ...a.slice(0, prefix).map((line) => ({ kind: "same" as const, line })),
    ...diffLines(a.slice(prefix, a.length - suffix), b.slice(prefix, b.length - suffix)),
    ...a.slice(a.length - suffix).map((line) => ({ kind: "same" as const, line })),
  ];
  const out = [`--- a/${path}`, `+++ b/${path}`];
  let i = 0;
  let oldLine = 1;
  let newLine = 1;
  while (i < ops.length) {
    if (ops[i]!.kind === "same") {
      i += 1;
      oldLine += 1;
      newLine += 1;
      continue;
    }
    // A hunk: back up `context` lines, then run until `2 * context` unchanged lines in a row.
    const back = Math.min(context, i, oldLine - 1);
    let start = i - back;
    const hunkOld = oldLine - back;
    const hunkNew = newLine - back;
    let end = i;
    let sameRun = 0;
    while (end < ops.length && (ops[end]!.kind !== "same" || sameRun < 2 * context)) {
      sameRun = ops[end]!.kind === "same" ? sameRun + 1 : 0;
      end += 1;
    }
    if (sameRun > context) end -= sameRun - context;
    const body = ops.slice(start, end);
    const oldCount = body.filter((op) => op.kind !== "add").length;
    const newCount = body.filter((op) => op.kind !== "del").length;
    out.push(`@@ -${hunkOld},${oldCount} +${hunkNew},${newCount} @@`);
    for (const op of body) out.push(`${op.kind === "same" ? " " : op.kind === "del" ? "-" : "+"}${op.line}`);
    oldLine = hunkOld + oldCount;
    newLine = hunkNew + newCount;
    i = end;
    start = end;
  }
  return out.join("\n");
}
