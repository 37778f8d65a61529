import { describe, expect, it } from "vitest";
import { closestMatch, editDistance } from "./edit-distance.js";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and neighbour swaps", () => {
    expect(editDistance("docker", "docker")).toBe(0);
    expect(editDistance("dokcer", "docker")).toBe(1);
    expect(editDistance("imgae", "image")).toBe(1);
    expect(editDistance("timout", "timeout")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});

describe("closestMatch", () => {
  it("finds a plausible typo, case-insensitively", () => {
    expect(closestMatch("timout", ["backend", "cwd", "timeout", "approvals"])).toBe("timeout");
    expect(closestMatch("Backend", ["backend", "cwd"])).toBe("backend");
    expect(closestMatch("aprovals", ["backend", "approvals"])).toBe("approvals");
  });
  it("suggests nothing when no candidate is close", () => {
    expect(closestMatch("colour", ["backend", "cwd", "timeout"])).toBeUndefined();
    expect(closestMatch("x", [])).toBeUndefined();
  });
});
