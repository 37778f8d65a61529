import { parseDocument, Scalar, stringify } from "yaml";

/**
 * Replaces one scalar's source text in `original` with `value`, leaving every
 * other byte of the file as it was (comments, quoting, indentation, long
 * lines elsewhere). Quoted scalars keep their quote style.
 *
 * Returns undefined when an in-place edit is not safe, so the caller falls
 * back to re-printing the document: the scalar has an anchor or tag, is a
 * block scalar, the new value needs more than one line, or the edited text
 * does not read back as exactly `value` at `segments`.
 */
export function spliceScalar(original: string, node: Scalar, value: unknown, segments: readonly string[]): string | undefined {
  if (node.anchor !== undefined || node.tag !== undefined || node.range === undefined || node.range === null) return undefined;
  if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) return undefined;
  const source = scalarSource(value, node.type);
  if (source === undefined || source.includes("\n")) return undefined;
  const [start, end] = node.range;
  const text = original.slice(0, start) + source + original.slice(end);
  const check = parseDocument(text);
  return check.errors.length === 0 && Object.is(check.getIn(segments), value) ? text : undefined;
}

function scalarSource(value: unknown, type: Scalar["type"]): string | undefined {
  if (typeof value === "string" && type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (typeof value === "string" && type === Scalar.QUOTE_SINGLE) return `'${value.replaceAll("'", "''")}'`;
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return stringify(value, { lineWidth: 0 }).trimEnd();
  return undefined;
}
