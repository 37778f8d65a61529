import { describe, expect, it } from "vitest";
import { isScalar, parseDocument } from "yaml";
import { spliceScalar } from "./scalar-splice.js";

function splice(text: string, path: string[], value: unknown): string | undefined {
  const node = parseDocument(text).getIn(path, true);
  if (!isScalar(node)) throw new Error("test setup: not a scalar");
  return spliceScalar(text, node, value, path);
}

describe("spliceScalar", () => {
  it("replaces only the scalar's own characters, keeping its quote style and trailing comment", () => {
    expect(splice("a:\n  b: x   # note\n", ["a", "b"], "y")).toBe("a:\n  b: y   # note\n");
    expect(splice('a: "x"\n', ["a"], 'say "hi"')).toBe('a: "say \\"hi\\""\n');
    expect(splice("a: 'x'\n", ["a"], "it's")).toBe("a: 'it''s'\n");
    expect(splice("a: 1\n", ["a"], 300)).toBe("a: 300\n");
    expect(splice("a: x\n", ["a"], true)).toBe("a: true\n");
  });

  it("quotes a plain string that would otherwise read as something else", () => {
    expect(splice("a: x\n", ["a"], "300")).toBe('a: "300"\n');
    expect(splice("a: x\n", ["a"], "b: c")).toBe('a: "b: c"\n');
  });

  it("declines what it cannot edit safely: anchors, tags, block scalars, multi-line values", () => {
    expect(splice("a: &anchor x\n", ["a"], "y")).toBeUndefined();
    expect(splice("a: !!str x\n", ["a"], "y")).toBeUndefined();
    expect(splice("a: |\n  x\n", ["a"], "y")).toBeUndefined();
    expect(splice("a: x\n", ["a"], "two\nlines")).toBeUndefined();
  });
});
