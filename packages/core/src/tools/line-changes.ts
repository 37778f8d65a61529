import { myersChanges } from "./myers-changes.js";

/** Lines a[aStart, aEnd) of the old text, and b[bStart, bEnd) of the new one (half-open, 0-based). */
export interface LineSpan {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

/** Work (diagonals visited, lines compared or hashed) one whole diff may spend: well under a second. */
export const LINE_DIFF_WORK_BUDGET = 20_000_000;
/** Work one Myers attempt may spend before the span is split at unique lines instead (its memory is ~4 bytes a step). */
const MYERS_WORK_PER_SPAN = 1_000_000;
/** Spans up to this many lines (both sides) try Myers before unique lines. */
const MYERS_FIRST_LINES = 20_000;

/** `span` without the lines it starts and ends with in both texts. */
function trimCommon(a: readonly string[], b: readonly string[], span: LineSpan): LineSpan {
  let { aStart, aEnd, bStart, bEnd } = span;
  while (aStart < aEnd && bStart < bEnd && a[aStart] === b[bStart]) {
    aStart += 1;
    bStart += 1;
  }
  while (aEnd > aStart && bEnd > bStart && a[aEnd - 1] === b[bEnd - 1]) {
    aEnd -= 1;
    bEnd -= 1;
  }
  return { aStart, aEnd, bStart, bEnd };
}

/** FNV-1a over the UTF-16 units of a line: the line table's hash. */
function lineHash(line: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < line.length; i += 1) hash = Math.imul(hash ^ line.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Matching lines as parallel arrays: a[a[i]] === b[b[i]], both increasing. */
interface Anchors {
  a: Int32Array;
  b: Int32Array;
}

/**
 * Patience anchors: lines that occur exactly once in each side of `span`,
 * the longest run of them in the same order in both. The table of distinct
 * lines is typed arrays (open addressing), not a Map: a 20 MB file has
 * hundreds of thousands of lines, and small objects per line would be most
 * of the diff's memory and time (garbage collection).
 */
function uniqueAnchors(a: readonly string[], b: readonly string[], span: LineSpan): Anchors {
  const n = span.aEnd - span.aStart;
  let capacity = 16;
  while (capacity < 2 * n) capacity *= 2;
  const mask = capacity - 1;
  // Per table slot: 1 + the index in `a` of its line's first occurrence (0 = empty slot);
  // where it occurs in a and in b (-1 = nowhere yet, -2 = more than once).
  const firstInA = new Int32Array(capacity);
  const inA = new Int32Array(capacity);
  const inB = new Int32Array(capacity).fill(-1);
  const slotOfA = new Int32Array(n);
  const find = (line: string): number => {
    let slot = lineHash(line) & mask;
    while (firstInA[slot] !== 0 && a[firstInA[slot]! - 1] !== line) slot = (slot + 1) & mask;
    return slot;
  };
  for (let i = span.aStart; i < span.aEnd; i += 1) {
    const slot = find(a[i]!);
    if (firstInA[slot] === 0) {
      firstInA[slot] = i + 1;
      inA[slot] = i;
    } else inA[slot] = -2;
    slotOfA[i - span.aStart] = slot;
  }
  for (let j = span.bStart; j < span.bEnd; j += 1) {
    const slot = find(b[j]!);
    if (firstInA[slot] !== 0) inB[slot] = inB[slot] === -1 ? j : -2;
  }
  // Lines unique to both, in a's order; then the longest increasing run of their b positions (patience sorting).
  const candidateA: number[] = [];
  const candidateB: number[] = [];
  for (let i = span.aStart; i < span.aEnd; i += 1) {
    const slot = slotOfA[i - span.aStart]!;
    if (inA[slot] === i && inB[slot]! >= 0) {
      candidateA.push(i);
      candidateB.push(inB[slot]!);
    }
  }
  const tails = new Int32Array(candidateA.length);
  let longest = 0;
  const before = new Int32Array(candidateA.length);
  for (let c = 0; c < candidateA.length; c += 1) {
    let low = 0;
    let high = longest;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (candidateB[tails[mid]!]! < candidateB[c]!) low = mid + 1;
      else high = mid;
    }
    before[c] = low > 0 ? tails[low - 1]! : -1;
    tails[low] = c;
    if (low === longest) longest += 1;
  }
  const anchors: Anchors = { a: new Int32Array(longest), b: new Int32Array(longest) };
  for (let c = longest > 0 ? tails[longest - 1]! : -1, at = longest - 1; c !== -1; c = before[c]!, at -= 1) {
    anchors.a[at] = candidateA[c]!;
    anchors.b[at] = candidateB[c]!;
  }
  return anchors;
}

/** The spans between consecutive anchors (and the span's edges), in order, leaving out empty ones. */
function gapsBetween(span: LineSpan, anchors: Anchors): LineSpan[] {
  const gaps: LineSpan[] = [];
  let aStart = span.aStart;
  let bStart = span.bStart;
  for (let i = 0; i <= anchors.a.length; i += 1) {
    const aEnd = i < anchors.a.length ? anchors.a[i]! : span.aEnd;
    const bEnd = i < anchors.a.length ? anchors.b[i]! : span.bEnd;
    if (aEnd > aStart || bEnd > bStart) gaps.push({ aStart, aEnd, bStart, bEnd });
    aStart = aEnd + 1;
    bStart = bEnd + 1;
  }
  return gaps;
}

/**
 * The changed spans turning lines `a` into `b`, in order, in bounded time and
 * memory whatever the input: Myers' shortest edit script where it is cheap,
 * otherwise (and first, for a big span) the text is split at lines unique to
 * both sides (patience diff) and each piece diffed again. Once `budget` work is spent, or a piece has no
 * unique lines, the piece is reported whole (all its old lines removed, all
 * its new ones added): still a correct diff, just not the smallest one.
 * Memory is the two line arrays plus O(lines) for the splitting.
 */
export function lineChanges(a: readonly string[], b: readonly string[], budget = LINE_DIFF_WORK_BUDGET): LineSpan[] {
  const changes: LineSpan[] = [];
  // Last is first in the text: taking one and pushing its pieces back keeps `changes` in order.
  const pending: LineSpan[] = [{ aStart: 0, aEnd: a.length, bStart: 0, bEnd: b.length }];
  let work = 0;
  const tryMyers = (span: LineSpan): boolean => {
    const attempt = myersChanges(a, b, span, Math.min(MYERS_WORK_PER_SPAN, budget - work));
    work += attempt.work;
    for (const change of attempt.changes ?? []) changes.push(change);
    return attempt.changes !== undefined;
  };
  while (pending.length > 0) {
    const span = trimCommon(a, b, pending.pop()!);
    const n = span.aEnd - span.aStart;
    const m = span.bEnd - span.bStart;
    if (n === 0 && m === 0) continue;
    if (n > 0 && m > 0 && work < budget) {
      // A big span rarely has a cheap Myers script (each diagonal it visits can cost a pass over the span): split it first.
      const myersFirst = n + m <= MYERS_FIRST_LINES;
      if (myersFirst && tryMyers(span)) continue;
      const anchors = uniqueAnchors(a, b, span);
      work += n + m;
      if (anchors.a.length > 0) {
        const gaps = gapsBetween(span, anchors);
        for (let g = gaps.length - 1; g >= 0; g -= 1) pending.push(gaps[g]!);
        continue;
      }
      if (!myersFirst && work < budget && tryMyers(span)) continue;
    }
    changes.push(span);
  }
  return changes;
}
