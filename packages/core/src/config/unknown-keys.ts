import type { z } from "zod";
import { closestMatch } from "./edit-distance.js";
import { keyStructure } from "./schema-keys.js";

/** A key the schema does not know, with the known keys at its level. */
export interface UnknownKey {
  path: string[];
  known: string[];
  /** The closest known key at the same level, when one is a plausible typo. */
  suggestion?: string;
}

/**
 * Finds the keys in `data` that `schema` does not list, and returns `data`
 * without them (so a strict backend schema sees only keys it knows, and an
 * unknown key is a warning rather than an error).
 */
export function findUnknownKeys(data: unknown, schema: z.ZodType): { pruned: unknown; unknown: UnknownKey[] } {
  const unknown: UnknownKey[] = [];
  const walk = (value: unknown, current: z.core.$ZodType, path: string[]): unknown => {
    if (value === null || typeof value !== "object") return value;
    const structure = keyStructure(current);
    if (Array.isArray(value)) {
      return structure.kind === "array" ? value.map((item, index) => walk(item, structure.element, [...path, String(index)])) : value;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (structure.kind === "record") {
      return Object.fromEntries(entries.map(([key, item]) => [key, walk(item, structure.value, [...path, key])]));
    }
    if (structure.kind !== "object") return value;
    const kept: [string, unknown][] = [];
    for (const [key, item] of entries) {
      const child = structure.keys.get(key) ?? structure.rest;
      if (child !== undefined) {
        kept.push([key, walk(item, child, [...path, key])]);
        continue;
      }
      const known = [...structure.keys.keys()];
      const suggestion = closestMatch(key, known);
      unknown.push({ path: [...path, key], known, ...(suggestion === undefined ? {} : { suggestion }) });
    }
    return Object.fromEntries(kept);
  };
  return { pruned: walk(data, schema, []), unknown };
}
