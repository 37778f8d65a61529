import type { EgressConfig } from "./egress-config.js";
import { EGRESS_PRESETS } from "./egress-presets.js";

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
}

export function buildEgressPolicy(egress: EgressConfig, sandbox: string, hostAddresses: readonly string[] = []): EgressPolicy {
  return {
    sandbox,
    allow: [...new Set([...egress.allow, ...EGRESS_PRESETS[egress.preset]])],
    config_allow: [...egress.allow],
    deny: [...egress.deny],
    allow_private: [...egress.allow_private],
    host_addresses: [...hostAddresses],
  };
}
