import { z } from "zod";

/**
 * Reads the key structure out of a zod schema, so the loader can name unknown
 * keys (and their closest known key) in sections it knows nothing about, such
 * as a third-party backend's `terminal.<name>`.
 *
 * Only zod's public API is used: `instanceof` on the classic schema classes
 * (zod matches them by trait name, so schemas from another copy of zod 4
 * match too), `.shape`, `.element`, `.valueType`, `.unwrap()`, `.in`/`.out`
 * and `.def`. Wrappers (optional, default, preprocess, transform, lazy...)
 * are seen through. An object with a non-`never` catchall (`z.looseObject`)
 * and a record accept any key. Schemas it cannot see into (a union, a
 * `zod/mini` schema) accept anything: an unknown key is only ever reported
 * where the schema positively lists the keys it knows.
 */
export type KeyStructure =
  | { kind: "object"; keys: ReadonlyMap<string, z.core.$ZodType>; rest?: z.core.$ZodType }
  | { kind: "record"; value: z.core.$ZodType }
  | { kind: "array"; element: z.core.$ZodType }
  | { kind: "leaf" };

/** The schema a wrapper stands for (what `.unwrap()` returns), or undefined when `schema` is no wrapper. */
function wrappedSchema(schema: z.core.$ZodType): z.core.$ZodType | undefined {
  if (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodExactOptional ||
    schema instanceof z.ZodNullable ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault ||
    schema instanceof z.ZodCatch ||
    schema instanceof z.ZodReadonly ||
    schema instanceof z.ZodNonOptional ||
    schema instanceof z.ZodLazy
  ) {
    return schema.unwrap();
  }
  // A preprocess is a pipe from a transform: the input is shaped by what follows it.
  if (schema instanceof z.ZodPipe) return schema.in instanceof z.ZodTransform ? schema.out : schema.in;
  return undefined;
}

/** The schema that decides the shape of the input, past wrappers and transforms. */
export function innerSchema(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (let depth = 0; depth < 64; depth++) {
    const next = wrappedSchema(current);
    if (next === undefined) break;
    current = next;
  }
  return current;
}

export function keyStructure(schema: z.core.$ZodType): KeyStructure {
  const inner = innerSchema(schema);
  if (inner instanceof z.ZodObject) {
    const { catchall } = inner.def;
    const rest = catchall !== undefined && !(catchall instanceof z.ZodNever) ? catchall : undefined;
    return { kind: "object", keys: new Map(Object.entries(inner.shape)), ...(rest ? { rest } : {}) };
  }
  if (inner instanceof z.ZodIntersection) {
    const left = keyStructure(inner.def.left);
    const right = keyStructure(inner.def.right);
    if (left.kind === "object" && right.kind === "object") {
      const rest = left.rest ?? right.rest;
      return { kind: "object", keys: new Map([...left.keys, ...right.keys]), ...(rest ? { rest } : {}) };
    }
    return { kind: "leaf" };
  }
  if (inner instanceof z.ZodRecord) return { kind: "record", value: inner.valueType };
  if (inner instanceof z.ZodArray) return { kind: "array", element: inner.element };
  return { kind: "leaf" };
}

/** Result of looking a key path up in a schema. */
export type KeyLookup = { found: true; schema: z.core.$ZodType | undefined } | { found: false; unknownAt: number; known: string[] };

/**
 * Follows `segments` through `schema`. `found: false` says which segment is
 * not a known key and lists the keys known at that level; past a level the
 * schema does not describe (`leaf`), every key is accepted with an unknown
 * schema.
 */
export function lookupKey(schema: z.core.$ZodType, segments: readonly string[]): KeyLookup {
  let current: z.core.$ZodType | undefined = schema;
  for (const [index, segment] of segments.entries()) {
    if (current === undefined) return { found: true, schema: undefined };
    const structure = keyStructure(current);
    if (structure.kind === "object") {
      const child = structure.keys.get(segment) ?? structure.rest;
      if (child === undefined) return { found: false, unknownAt: index, known: [...structure.keys.keys()] };
      current = child;
    } else if (structure.kind === "record") {
      current = structure.value;
    } else if (structure.kind === "array") {
      if (!/^\d+$/.test(segment)) return { found: false, unknownAt: index, known: [] };
      current = structure.element;
    } else {
      current = undefined;
    }
  }
  return { found: true, schema: current };
}
