import type { z } from "zod";

/**
 * Reads the key structure out of a zod schema, so the loader can name unknown
 * keys (and their closest known key) in sections it knows nothing about, such
 * as a third-party backend's `terminal.<name>`.
 *
 * Wrappers (optional, default, preprocess, transform, lazy...) are seen
 * through. An object with a non-`never` catchall (`z.looseObject`) and a
 * record accept any key. Schemas it cannot see into accept anything: an
 * unknown key is only ever reported where the schema positively lists the
 * keys it knows.
 */
export type KeyStructure =
  | { kind: "object"; keys: ReadonlyMap<string, z.ZodType>; rest?: z.ZodType }
  | { kind: "record"; value: z.ZodType }
  | { kind: "array"; element: z.ZodType }
  | { kind: "leaf" };

interface AnyDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  getter?: () => z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
}

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "catch", "readonly", "nonoptional"]);

function defOf(schema: z.ZodType): AnyDef {
  return (schema as unknown as { _zod: { def: AnyDef } })._zod.def;
}

/** The schema that decides the shape of the input, past wrappers and transforms. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let depth = 0; depth < 64; depth++) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === "pipe" && def.in && def.out) current = defOf(def.in).type === "transform" ? def.out : def.in;
    else if (def.type === "lazy" && def.getter) current = def.getter();
    else break;
  }
  return current;
}

export function keyStructure(schema: z.ZodType): KeyStructure {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === "object" && def.shape) {
    const rest = def.catchall && defOf(def.catchall).type !== "never" ? def.catchall : undefined;
    return { kind: "object", keys: new Map(Object.entries(def.shape)), ...(rest ? { rest } : {}) };
  }
  if (def.type === "intersection" && def.left && def.right) {
    const left = keyStructure(def.left);
    const right = keyStructure(def.right);
    if (left.kind === "object" && right.kind === "object") {
      const rest = left.rest ?? right.rest;
      return { kind: "object", keys: new Map([...left.keys, ...right.keys]), ...(rest ? { rest } : {}) };
    }
    return { kind: "leaf" };
  }
  if (def.type === "record" && def.valueType) return { kind: "record", value: def.valueType };
  if (def.type === "array" && def.element) return { kind: "array", element: def.element };
  return { kind: "leaf" };
}

/** Result of looking a key path up in a schema. */
export type KeyLookup = { found: true; schema: z.ZodType | undefined } | { found: false; unknownAt: number; known: string[] };

/**
 * Follows `segments` through `schema`. `found: false` says which segment is
 * not a known key and lists the keys known at that level; past a level the
 * schema does not describe (`leaf`), every key is accepted with an unknown
 * schema.
 */
export function lookupKey(schema: z.ZodType, segments: readonly string[]): KeyLookup {
  let current: z.ZodType | undefined = schema;
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
