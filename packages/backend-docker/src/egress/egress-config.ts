import { isIP } from "node:net";
import { z } from "zod";

/** `network: allowlist`: the sandbox reaches only what `terminal.docker.egress` allows, through MonoClaw's egress proxy. */
export const ALLOWLIST_NETWORK = "allowlist";

/** Image that runs the egress proxy when none is configured: any image with `node` works. */
export const DEFAULT_EGRESS_PROXY_IMAGE = "node:20-alpine";

/** `name`, `*.name` or a literal IP, each with an optional `:port` (IPv6 in brackets). */
const HOST_RULE = /^(?:\*\.)?[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$/i;

/** An `egress.allow`-style host rule (also the hosts a secret is bound to). */
export const hostRule = z
  .string()
  .trim()
  .regex(HOST_RULE, 'must be a host name, "*.domain" or an IP address, optionally with ":port" (e.g. "*.github.com", "pypi.org:443")');

const cidr = z.string().refine((text) => {
  const [base, bits] = text.split("/");
  const family = isIP(base ?? "");
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}, 'must be an IP address or a CIDR such as "10.1.2.0/24"');

/** `terminal.docker.egress`: what a sandbox with `network: allowlist` may reach. */
export const egressConfigSchema = z
  .object({
    /** Hosts the sandbox may reach (ports 80 and 443 unless a `:port` is given). */
    allow: z.array(hostRule).default([]),
    /** Hosts refused even when `allow` or the preset lists them: deny wins. */
    deny: z.array(hostRule).default([]),
    /** Private, loopback or link-local addresses (CIDRs) that may be reached anyway. */
    allow_private: z.array(cidr).default([]),
    /** A named list added to `allow`: `packages` (npm, PyPI, Debian, Ubuntu, Alpine, GitHub) or `none`. */
    preset: z.enum(["packages", "none"]).default("packages"),
    /** Image that runs the proxy on the engine's side; it needs `node` (18 or later). */
    proxy_image: z.string().min(1).default(DEFAULT_EGRESS_PROXY_IMAGE),
    /**
     * A PEM file on MonoClaw's side with CAs the proxy trusts, besides the
     * system's, when it talks TLS upstream for a host a secret is bound to
     * (a private registry, a company's TLS-inspecting proxy).
     */
    upstream_ca_file: z.string().min(1).optional(),
  })
  .strict();

export type EgressConfig = z.output<typeof egressConfigSchema>;
