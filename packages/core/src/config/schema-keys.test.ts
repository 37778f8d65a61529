import { describe, expect, it } from "vitest";
import { z } from "zod";
import { keyStructure, lookupKey } from "./schema-keys.js";

const keysOf = (schema: z.ZodType) => {
  const structure = keyStructure(schema);
  return structure.kind === "object" ? [...structure.keys.keys()] : structure.kind;
};

describe("keyStructure", () => {
  it("sees object keys through optional, default, prefault, preprocess, transform and lazy", () => {
    const object = z.object({ a: z.string(), b: z.number() });
    expect(keysOf(object)).toEqual(["a", "b"]);
    expect(keysOf(object.optional())).toEqual(["a", "b"]);
    expect(keysOf(object.default({ a: "", b: 0 }))).toEqual(["a", "b"]);
    expect(keysOf(object.prefault({ a: "", b: 0 }))).toEqual(["a", "b"]);
    expect(keysOf(z.preprocess((value) => value ?? {}, object))).toEqual(["a", "b"]);
    expect(keysOf(object.transform((value) => value.a))).toEqual(["a", "b"]);
    expect(keysOf(z.lazy(() => object))).toEqual(["a", "b"]);
    expect(keysOf(z.intersection(object, z.object({ c: z.boolean() })))).toEqual(["a", "b", "c"]);
  });

  it("knows records, arrays and leaves", () => {
    expect(keyStructure(z.record(z.string(), z.number())).kind).toBe("record");
    expect(keyStructure(z.array(z.string())).kind).toBe("array");
    expect(keyStructure(z.string()).kind).toBe("leaf");
    expect(keyStructure(z.union([z.string(), z.number()])).kind).toBe("leaf");
  });
});

describe("lookupKey", () => {
  const schema = z.object({
    terminal: z.object({ timeout: z.number(), docker: z.strictObject({ image: z.string(), env: z.record(z.string(), z.string()) }) }),
    loose: z.looseObject({ known: z.string() }),
    list: z.array(z.object({ name: z.string() })),
    opaque: z.unknown(),
  });

  it("follows known keys, record keys, array indexes and open schemas", () => {
    expect(lookupKey(schema, ["terminal", "docker", "image"]).found).toBe(true);
    expect(lookupKey(schema, ["terminal", "docker", "env", "ANY_NAME"]).found).toBe(true);
    expect(lookupKey(schema, ["loose", "anything"]).found).toBe(true);
    expect(lookupKey(schema, ["list", "0", "name"]).found).toBe(true);
    expect(lookupKey(schema, ["opaque", "deep", "path"])).toEqual({ found: true, schema: undefined });
  });

  it("says which segment is unknown and what is known there", () => {
    expect(lookupKey(schema, ["terminal", "dokcer", "image"])).toEqual({ found: false, unknownAt: 1, known: ["timeout", "docker"] });
    expect(lookupKey(schema, ["list", "first"])).toEqual({ found: false, unknownAt: 1, known: [] });
    expect(lookupKey(schema, ["nope"])).toEqual({ found: false, unknownAt: 0, known: ["terminal", "loose", "list", "opaque"] });
  });
});
