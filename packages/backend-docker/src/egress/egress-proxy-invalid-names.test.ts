import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const proxy = createRequire(import.meta.url)("./proxy/egress-proxy.cjs") as {
  decide(host: string, port: number): { allowed: boolean; rule: string; reason?: string };
  setPolicy(raw: unknown): void;
};

describe("egress proxy: .invalid names (RFC 6761)", () => {
  it("refuses a .invalid name by its own rule, even when allow lists it, and says why", () => {
    proxy.setPolicy({ allow: ["allowed.test", "*.invalid", "monoclaw-egress-probe.invalid"], deny: [], allow_private: [], host_addresses: [] });
    // Positive control: the same policy lets a listed name through.
    expect(proxy.decide("allowed.test", 443)).toMatchObject({ allowed: true });
    for (const host of ["monoclaw-egress-probe.invalid", "a.b.invalid", "invalid"]) {
      expect(proxy.decide(host, 443)).toEqual({
        allowed: false,
        rule: "invalid name",
        reason: `refused ${host}:443: .invalid names never exist (RFC 6761); refused without a lookup`,
      });
    }
    // Only the top-level label counts: a name merely containing "invalid" follows the policy.
    expect(proxy.decide("invalid.allowed.test", 443)).toMatchObject({ allowed: false, rule: "not allowed" });
    expect(proxy.decide("notinvalid", 443)).toMatchObject({ allowed: false, rule: "not allowed" });
  });
});
