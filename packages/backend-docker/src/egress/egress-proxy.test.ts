import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { dockerConfigSchema, parseDockerConfig } from "../docker-config.js";
import { buildEgressPolicy } from "./egress-policy.js";

// The proxy is plain CommonJS (it runs as `node -e` in the proxy container); its rules are tested here directly.
const proxy = createRequire(import.meta.url)("./proxy/egress-proxy.cjs") as {
  refusalOf(address: string, policy: unknown): string | undefined;
  decide(host: string, port: number): { allowed: boolean; rule: string; reason?: string };
  compilePolicy(raw: unknown): unknown;
  setPolicy(raw: unknown): void;
};

const policyWith = (raw: Record<string, unknown>) => proxy.compilePolicy({ allow: [], deny: [], allow_private: [], host_addresses: [], ...raw });

describe("egress proxy: addresses", () => {
  const none = policyWith({});
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["10.1.2.3", "private (RFC 1918)"],
    ["172.31.255.255", "private (RFC 1918)"],
    ["192.168.0.1", "private (RFC 1918)"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["169.254.169.254", "cloud metadata"],
    ["169.254.1.1", "link-local"],
    ["0.0.0.0", "this network"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fd00:ec2::254", "cloud metadata"],
    ["fd12:3456::1", "unique local (ULA)"],
    ["fe80::1", "link-local"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:a9fe:a9fe", "cloud metadata"],
    ["64:ff9b::10.0.0.1", "private (RFC 1918)"],
    ["64:ff9b::a9fe:a9fe", "cloud metadata"],
    ["2002:7f00:1::", "loopback"],
    ["224.0.0.1", "multicast"],
  ])("refuses %s (%s)", (address, why) => {
    expect(proxy.refusalOf(address, none)).toBe(`${address} is ${why}`);
  });

  it("lets public-looking addresses through (positive control)", () => {
    expect(proxy.refusalOf("198.19.0.10", none)).toBeUndefined();
    expect(proxy.refusalOf("2001:db8::1", none)).toBeUndefined();
    expect(proxy.refusalOf("::ffff:198.19.0.10", none)).toBeUndefined();
  });

  it("reaches a private address only when allow_private holds it, in any of its forms", () => {
    const allowed = policyWith({ allow_private: ["10.1.0.0/16"] });
    expect(proxy.refusalOf("10.1.2.3", allowed)).toBeUndefined();
    expect(proxy.refusalOf("::ffff:10.1.2.3", allowed)).toBeUndefined();
    expect(proxy.refusalOf("10.2.0.1", allowed)).toBe("10.2.0.1 is private (RFC 1918)");
  });

  it("refuses the engine host's addresses it is given", () => {
    expect(proxy.refusalOf("198.51.100.7", policyWith({ host_addresses: ["198.51.100.7"] }))).toBe("198.51.100.7 is the engine's host");
    expect(proxy.refusalOf("198.51.100.7", none)).toBeUndefined();
  });
});

describe("egress proxy: names", () => {
  it("matches exact names, *. wildcards (subdomains only) and ports; deny wins", () => {
    proxy.setPolicy({
      allow: ["pypi.org", "*.github.com", "files.example:8443", "198.19.0.10"],
      config_allow: ["pypi.org"],
      deny: ["gist.github.com"],
      allow_private: [],
    });
    expect(proxy.decide("pypi.org", 443)).toMatchObject({ allowed: true, rule: "allow pypi.org" });
    expect(proxy.decide("pypi.org", 80)).toMatchObject({ allowed: true });
    expect(proxy.decide("pypi.org", 22)).toMatchObject({ allowed: false, rule: "not allowed" });
    expect(proxy.decide("api.github.com", 443)).toMatchObject({ allowed: true, rule: "allow *.github.com" });
    expect(proxy.decide("github.com", 443)).toMatchObject({ allowed: false });
    expect(proxy.decide("evilgithub.com", 443)).toMatchObject({ allowed: false });
    expect(proxy.decide("gist.github.com", 443)).toMatchObject({ allowed: false, rule: "deny gist.github.com" });
    expect(proxy.decide("files.example", 8443)).toMatchObject({ allowed: true });
    expect(proxy.decide("files.example", 443)).toMatchObject({ allowed: false });
    expect(proxy.decide("198.19.0.10", 80)).toMatchObject({ allowed: true });
    expect(proxy.decide("198.19.0.11", 80).reason).toContain("a literal IP address that terminal.docker.egress.allow does not list");
  });

  it("names the command that would allow a refused host, keeping the configured list", () => {
    proxy.setPolicy({ allow: ["pypi.org", "registry.npmjs.org"], config_allow: ["pypi.org"], deny: [], allow_private: [] });
    expect(proxy.decide("example.org", 443).reason).toBe(
      `refused example.org:443: not in terminal.docker.egress.allow; allow it with: monoclaw config set terminal.docker.egress.allow '["pypi.org","example.org"]'`,
    );
    expect(proxy.decide("example.org", 8080).reason).toContain(`'["pypi.org","example.org:8080"]'`);
  });

  it("refuses everything until a policy is loaded", () => {
    proxy.setPolicy(undefined);
    expect(proxy.decide("pypi.org", 443)).toMatchObject({ allowed: false, rule: "no policy loaded" });
  });
});

describe("terminal.docker.egress", () => {
  it("defaults to the packages preset and merges it into the policy", () => {
    const config = parseDockerConfig({ network: "allowlist" });
    expect(config.egress).toMatchObject({ allow: [], deny: [], preset: "packages" });
    const policy = buildEgressPolicy(config.egress, "box");
    expect(policy.allow).toContain("registry.npmjs.org");
    expect(policy.config_allow).toEqual([]);
  });

  it("rejects a malformed host rule or CIDR with the key and the expected form", () => {
    expect(() => parseDockerConfig({ egress: { allow: ["https://pypi.org/"] } })).toThrow(
      /terminal\.docker\.egress\.allow\.0: must be a host name, "\*\.domain" or an IP address/,
    );
    expect(() => parseDockerConfig({ egress: { allow_private: ["10.0.0.0/40"] } })).toThrow(
      /terminal\.docker\.egress\.allow_private\.0: must be an IP address or a CIDR/,
    );
    expect(() => parseDockerConfig({ egress: { alow: [] } })).toThrow(/terminal\.docker\.egress/);
    expect(dockerConfigSchema.parse({ egress: { allow: ["*.github.com", "pypi.org:443", "[2001:db8::1]:443"] } }).egress.allow).toHaveLength(3);
  });
});
