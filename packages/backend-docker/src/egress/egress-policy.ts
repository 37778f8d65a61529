import type { EgressConfig } from "./egress-config.js";
import { EGRESS_PRESETS } from "./egress-presets.js";
import type { BoundSecret } from "./secrets/sandbox-secrets.js";

/** What the proxy enforces: the JSON it reads from its policy file. */
export interface EgressPolicy {
  sandbox: string;
  /** `egress.allow` plus the preset's hosts. */
  allow: string[];
  /** `egress.allow` alone: the proxy's "allow it with: monoclaw config set ..." keeps this list. */
  config_allow: string[];
  deny: string[];
  allow_private: string[];
  /** Addresses of the engine's host known on MonoClaw's side, refused like private ones. */
  host_addresses: string[];
  /** Secrets with their real values: this JSON reaches the proxy only (on an exec's stdin), never the sandbox. */
  secrets: BoundSecret[];
  /** `egress.upstream_ca_file`'s certificates (PEM), trusted upstream besides the system's. */
  upstream_ca?: string;
}

export interface EgressPolicyExtras {
  hostAddresses?: readonly string[];
  secrets?: readonly BoundSecret[];
  upstreamCa?: string;
}

export function buildEgressPolicy(egress: EgressConfig, sandbox: string, extras: EgressPolicyExtras = {}): EgressPolicy {
  return {
    sandbox,
    allow: [...new Set([...egress.allow, ...EGRESS_PRESETS[egress.preset]])],
    config_allow: [...egress.allow],
    deny: [...egress.deny],
    allow_private: [...egress.allow_private],
    host_addresses: [...(extras.hostAddresses ?? [])],
    secrets: [...(extras.secrets ?? [])],
    ...(extras.upstreamCa !== undefined ? { upstream_ca: extras.upstreamCa } : {}),
  };
}
