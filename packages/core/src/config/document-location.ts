import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

/** 1-based line and column in a config file. */
export interface Location {
  line: number;
  column: number;
}

/**
 * Where `segments` is written in `doc`: the line of its key, or of the
 * deepest parent that exists when the key itself is not in the file.
 * Undefined for an empty document.
 */
export function locateKey(doc: Document, lineCounter: LineCounter, segments: readonly PropertyKey[]): Location | undefined {
  let node: unknown = doc.contents;
  let offset = (node as Node | null)?.range?.[0];
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(segment));
      if (pair === undefined) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (item === undefined) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  if (offset === undefined) return undefined;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}
