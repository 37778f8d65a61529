import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as zm from "zod/mini";
import { createConfigSchema } from "./config-schema.js";
import { testFactories } from "./config.test-helpers.js";
import { innerSchema, keyStructure, lookupKey } from "./schema-keys.js";

const keysOf = (schema: z.core.$ZodType) => {
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

  it("sees through nullable, exactOptional, catch, readonly, nonoptional, codec and nested wrappers", () => {
    const object = z.object({ a: z.string() });
    expect(keysOf(object.nullable())).toEqual(["a"]);
    expect(keysOf(z.exactOptional(object))).toEqual(["a"]);
    expect(keysOf(object.catch({ a: "" }))).toEqual(["a"]);
    expect(keysOf(object.readonly())).toEqual(["a"]);
    expect(keysOf(object.optional().nonoptional())).toEqual(["a"]);
    expect(keysOf(z.codec(object, z.string(), { decode: (value) => value.a, encode: (a) => ({ a }) }))).toEqual(["a"]);
    expect(
      keysOf(
        z
          .lazy(() => object.optional())
          .default({ a: "" })
          .nullable(),
      ),
    ).toEqual(["a"]);
  });

  it("knows records, arrays and leaves", () => {
    expect(keyStructure(z.record(z.string(), z.number())).kind).toBe("record");
    expect(keyStructure(z.array(z.string())).kind).toBe("array");
    expect(keyStructure(z.string()).kind).toBe("leaf");
    expect(keyStructure(z.union([z.string(), z.number()])).kind).toBe("leaf");
  });
});

/** Every key path the schema lists, with the zod type of the schema it names (past wrappers). */
function listKeys(schema: z.core.$ZodType, prefix: string[] = []): Record<string, string> {
  const structure = keyStructure(schema);
  if (structure.kind !== "object") return {};
  const listed: Record<string, string> = {};
  for (const [key, child] of structure.keys) {
    const inner = innerSchema(child);
    listed[[...prefix, key].join(".")] = inner instanceof z.ZodType ? inner.type : "not classic zod";
    Object.assign(listed, listKeys(child, [...prefix, key]));
  }
  return listed;
}

describe("the composed config schema", () => {
  const schema = createConfigSchema({ factories: testFactories(), startDir: "/work" });

  it("lists every settable key with its type, backend sections included", () => {
    expect(listKeys(schema)).toEqual({
      model: "string",
      providers: "record",
      terminal: "object",
      "terminal.backend": "string",
      "terminal.cwd": "string",
      "terminal.timeout": "number",
      "terminal.approvals": "enum",
      "terminal.host": "object",
      "terminal.host.forward_env": "array",
      "terminal.docker": "object",
      "terminal.docker.image": "string",
      "terminal.docker.network": "string",
      "terminal.docker.volumes": "array",
      "terminal.docker.keep_warm": "boolean",
      "terminal.docker.memory": "string",
    });
  });

  it("finds terminal.docker.memory and a provider's keys, and names the known keys for a typo", () => {
    const memory = lookupKey(schema, ["terminal", "docker", "memory"]);
    expect(memory.found && memory.schema !== undefined && innerSchema(memory.schema) instanceof z.ZodString).toBe(true);
    expect(lookupKey(schema, ["providers", "anthropic", "api_key"]).found).toBe(true);
    expect(lookupKey(schema, ["providers", "anthropic", "apikey"])).toEqual({ found: false, unknownAt: 2, known: ["api_key", "base_url", "context_window"] });
    expect(lookupKey(schema, ["terminal", "docker", "memroy"])).toEqual({
      found: false,
      unknownAt: 2,
      known: ["image", "network", "volumes", "keep_warm", "memory"],
    });
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

  it("accepts any key under a zod/mini schema it cannot see into, and still checks the classic keys around it", () => {
    const mixed = z.object({ extension: zm.strictObject({ known: zm.string() }) });
    expect(lookupKey(mixed, ["extension", "anything"])).toEqual({ found: true, schema: undefined });
    expect(lookupKey(mixed, ["extnesion"])).toEqual({ found: false, unknownAt: 0, known: ["extension"] });
  });
});
