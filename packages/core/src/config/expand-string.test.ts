import { describe, expect, it } from "vitest";
import { expandString, expandStrings } from "./expand-string.js";

const env = { HOME: "/home/ann", USER_DIR: "projects", EMPTY: "" };

describe("expandString", () => {
  it("expands a leading ~ and ~/ only", () => {
    expect(expandString("~", env).value).toBe("/home/ann");
    expect(expandString("~/.ssh:/root/.ssh:ro", env).value).toBe("/home/ann/.ssh:/root/.ssh:ro");
    expect(expandString("a~/b", env).value).toBe("a~/b");
    expect(expandString("~bob/x", env).value).toBe("~bob/x");
  });
  it("expands ${VAR} anywhere, as the product page's volumes use it", () => {
    expect(expandString("${HOME}/${USER_DIR}:/projects", env)).toEqual({ value: "/home/ann/projects:/projects", missing: [] });
  });
  it("uses ${VAR:-default} when the variable is unset or empty", () => {
    expect(expandString("${NOPE:-x}", env).value).toBe("x");
    expect(expandString("${EMPTY:-y}", env).value).toBe("y");
    expect(expandString("${USER_DIR:-z}", env).value).toBe("projects");
    expect(expandString("${NOPE:-}", env).value).toBe("");
  });
  it("reports unset variables and leaves them as written", () => {
    expect(expandString("key-${NOPE}-${ALSO_NOPE}", env)).toEqual({ value: "key-${NOPE}-${ALSO_NOPE}", missing: ["NOPE", "ALSO_NOPE"] });
  });
  it("treats a set but empty variable as set", () => {
    expect(expandString("[${EMPTY}]", env)).toEqual({ value: "[]", missing: [] });
  });
  it("keeps $${ as a literal ${ and leaves $VAR and unclosed references alone", () => {
    expect(expandString("$${HOME}", env).value).toBe("${HOME}");
    expect(expandString("$HOME and ${HOME", env).value).toBe("$HOME and ${HOME");
  });
});

describe("expandStrings", () => {
  it("expands string values at any depth, never keys, and reports paths of unset variables", () => {
    const result = expandStrings({ "${HOME}": 1, a: ["~/x", { b: "${NOPE}" }], n: 3, t: true }, env);
    expect(result.value).toEqual({ "${HOME}": 1, a: ["/home/ann/x", { b: "${NOPE}" }], n: 3, t: true });
    expect(result.missing).toEqual([{ path: ["a", 1, "b"], name: "NOPE" }]);
  });
});
