import { lineChanges, type LineSpan } from "./line-changes.js";
import { DEFAULT_OUTPUT_LIMITS, type OutputLimits } from "./output-collector.js";

/** Marks a last line with no newline after it; no other line can hold a "\n". */
const NO_NEWLINE = "\n";
const NO_NEWLINE_NOTE = "\\ No newline at end of file";

/** The text's lines, without their "\n"; a last line lacking one keeps the {@link NO_NEWLINE} mark, so it differs from the same line with one. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  else lines[lines.length - 1] += NO_NEWLINE;
  return lines;
}

/** A hunk header's `start,count`: an empty range names the line before it. */
function range(start: number, count: number): string {
  return `${count === 0 ? start : start + 1},${count}`;
}

/** Collects diff lines up to the limits; `add` says false (and keeps nothing more) once a line would pass them. */
class BoundedLines {
  readonly lines: string[] = [];
  private bytes = 0;

  constructor(private readonly limits: OutputLimits) {}

  add(line: string): boolean {
    // UTF-8 takes at least a byte per UTF-16 unit: check the cheap bound before counting a possibly huge line.
    if (this.lines.length >= this.limits.maxLines || this.bytes + line.length + 1 > this.limits.maxBytes) return false;
    const size = Buffer.byteLength(line) + 1;
    if (this.bytes + size > this.limits.maxBytes) return false;
    this.lines.push(line);
    this.bytes += size;
    return true;
  }

  /** Adds `prefix` + the line (and the no-newline note it may need). */
  addLine(prefix: string, line: string): boolean {
    if (!line.endsWith(NO_NEWLINE)) return this.add(prefix + line);
    return this.add(prefix + line.slice(0, -1)) && this.add(NO_NEWLINE_NOTE);
  }

  /** Adds a line whatever the limits (the file headers, and the note saying what was left out). */
  force(line: string): void {
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
  }

  /** Drops every line after the first `count`. */
  truncate(count: number): void {
    for (const line of this.lines.splice(count)) this.bytes -= Buffer.byteLength(line) + 1;
  }
}

/** Groups of consecutive changes at most `2 * context` unchanged lines apart: one hunk each. */
function hunkGroups(changes: LineSpan[], context: number): LineSpan[][] {
  const groups: LineSpan[][] = [];
  for (const change of changes) {
    const group = groups[groups.length - 1];
    const last = group?.[group.length - 1];
    if (group !== undefined && last !== undefined && change.aStart - last.aEnd <= 2 * context) group.push(change);
    else groups.push([change]);
  }
  return groups;
}

/** One hunk's lines, or false when they would not all fit in `out`. */
function writeHunk(out: BoundedLines, a: string[], b: string[], group: LineSpan[], context: number): boolean {
  const first = group[0]!;
  const last = group[group.length - 1]!;
  const aStart = Math.max(0, first.aStart - context);
  const bStart = first.bStart - (first.aStart - aStart);
  const aEnd = Math.min(a.length, last.aEnd + context);
  const bEnd = last.bEnd + (aEnd - last.aEnd);
  if (!out.add(`@@ -${range(aStart, aEnd - aStart)} +${range(bStart, bEnd - bStart)} @@`)) return false;
  let at = aStart;
  for (const change of group) {
    for (; at < change.aStart; at += 1) if (!out.addLine(" ", a[at]!)) return false;
    for (let i = change.aStart; i < change.aEnd; i += 1) if (!out.addLine("-", a[i]!)) return false;
    for (let j = change.bStart; j < change.bEnd; j += 1) if (!out.addLine("+", b[j]!)) return false;
    at = change.aEnd;
  }
  for (; at < aEnd; at += 1) if (!out.addLine(" ", a[at]!)) return false;
  return true;
}

/** The line saying which changes were left out, so a cut diff never passes for a whole one. */
function omittedNote(path: string, omitted: LineSpan[], limits: OutputLimits): string {
  let removed = 0;
  let added = 0;
  for (const change of omitted) {
    removed += change.aEnd - change.aStart;
    added += change.bEnd - change.bStart;
  }
  return (
    `[diff cut: the changes from line ${omitted[0]!.bStart + 1} of the new file on (${removed} line${removed === 1 ? "" : "s"} removed, ${added} added) ` +
    `are not shown, over the limit of ${limits.maxLines} lines / ${limits.maxBytes} bytes of diff. Read ${path} to see them.]`
  );
}

/** How many of `group`'s first changes fit in `out` as one hunk (leaving `out` as it was). */
function changesThatFit(out: BoundedLines, a: string[], b: string[], group: LineSpan[], context: number): number {
  const mark = out.lines.length;
  const fits = (count: number) => {
    const fit = writeHunk(out, a, b, group.slice(0, count), context);
    out.truncate(mark);
    return fit;
  };
  let low = 0;
  let high = group.length;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * A unified diff (`--- a/path`, `+++ b/path`, `@@` hunks with `context`
 * lines around each change, `\ No newline at end of file` where a text ends
 * without one) between two texts. Empty when they are equal.
 *
 * Bounded whatever the texts: the diff itself takes bounded time and memory
 * beyond the two line arrays (see {@link lineChanges}; a huge tangled change
 * is shown as whole removed and added blocks), and the text returned keeps
 * to `limits`: changes that do not fit are left out (a hunk is cut between
 * two changes, its header counting what is shown), and a last line says from
 * where on and how many lines.
 */
export function unifiedDiff(path: string, before: string, after: string, context = 3, limits: OutputLimits = DEFAULT_OUTPUT_LIMITS): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const groups = hunkGroups(lineChanges(a, b), context);
  const out = new BoundedLines(limits);
  out.force(`--- a/${path}`);
  out.force(`+++ b/${path}`);
  for (let g = 0; g < groups.length; g += 1) {
    const group = groups[g]!;
    const mark = out.lines.length;
    if (writeHunk(out, a, b, group, context)) continue;
    // Over the limits: show what fits of this hunk (as a hunk of its own, so the diff stays valid), then say what is left out.
    out.truncate(mark);
    const shown = changesThatFit(out, a, b, group, context);
    if (shown > 0) writeHunk(out, a, b, group.slice(0, shown), context);
    out.force(omittedNote(path, [...group.slice(shown), ...groups.slice(g + 1).flat()], limits));
    break;
  }
  return out.lines.join("\n");
}
