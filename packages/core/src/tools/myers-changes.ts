import type { LineSpan } from "./line-changes.js";

/**
 * Round `d`'s start on diagonal `k` (x - y): down from diagonal k + 1 (a line
 * of `b` inserted) or right from k - 1 (a line of `a` deleted), whichever
 * reaches further while staying inside the n x m grid; undefined when neither
 * does. Points off the grid are never kept, so the walk back cannot leave it.
 */
function fromDiagonal(previous: Int32Array, d: number, k: number, n: number, m: number): number | undefined {
  const slot = (k + d) >> 1;
  const downX = k < d ? previous[slot]! : -1;
  const down = downX >= 0 && downX - k <= m;
  const rightX = k > -d && previous[slot - 1]! >= 0 ? previous[slot - 1]! + 1 : -1;
  const right = rightX >= 0 && rightX <= n;
  if (down && (!right || downX >= rightX)) return k + 1;
  return right ? k - 1 : undefined;
}

/** The x where round `d`'s path on diagonal `k` starts, coming from diagonal `from`. */
function startX(previous: Int32Array, d: number, k: number, from: number): number {
  const slot = (k + d) >> 1;
  return from === k + 1 ? previous[slot]! : previous[slot - 1]! + 1;
}

/** The changed spans along the shortest path found, walking back from (n, m). */
function walkBack(trace: Int32Array[], span: LineSpan, n: number, m: number): LineSpan[] {
  const changes: LineSpan[] = [];
  let open: LineSpan | undefined;
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d -= 1) {
    const k = x - y;
    const previous = trace[d - 1]!;
    const from = fromDiagonal(previous, d, k, n, m)!;
    const moveX = startX(previous, d, k, from);
    const fromX = from === k + 1 ? moveX : moveX - 1;
    const fromY = fromX - from;
    // Matching lines after this move close the span; none means it grows backwards.
    if (open === undefined || x > moveX) {
      open = { aStart: fromX, aEnd: moveX, bStart: fromY, bEnd: moveX - k };
      changes.push(open);
    } else {
      open.aStart = fromX;
      open.bStart = fromY;
    }
    x = fromX;
    y = fromY;
  }
  changes.reverse();
  for (const change of changes) {
    change.aStart += span.aStart;
    change.aEnd += span.aStart;
    change.bStart += span.bStart;
    change.bEnd += span.bStart;
  }
  return changes;
}

/**
 * Myers' shortest edit script between `a` and `b` inside `span`, as changed
 * spans in order; `changes` is undefined when it gave up after `maxWork`
 * steps (one per diagonal visited, one per matching line followed). Every
 * round's furthest points are kept for the walk back (d + 1 numbers in round
 * d), so memory is bounded by the work as well.
 */
export function myersChanges(a: readonly string[], b: readonly string[], span: LineSpan, maxWork: number): { changes?: LineSpan[]; work: number } {
  const n = span.aEnd - span.aStart;
  const m = span.bEnd - span.bStart;
  const trace: Int32Array[] = [];
  let work = 0;
  for (let d = 0; d <= n + m; d += 1) {
    const previous = trace[d - 1];
    const furthest = new Int32Array(d + 1);
    trace.push(furthest);
    work += d + 1;
    for (let k = -d, slot = 0; k <= d; k += 2, slot += 1) {
      const from = previous === undefined ? 0 : fromDiagonal(previous, d, k, n, m);
      if (from === undefined) {
        furthest[slot] = -1;
        continue;
      }
      let x = previous === undefined ? 0 : startX(previous, d, k, from);
      let y = x - k;
      const start = x;
      while (x < n && y < m && a[span.aStart + x] === b[span.bStart + y]) {
        x += 1;
        y += 1;
      }
      work += x - start;
      furthest[slot] = x;
      if (x === n && y === m) return { changes: walkBack(trace, span, n, m), work };
    }
    if (work > maxWork) return { work };
  }
  return { work };
}
