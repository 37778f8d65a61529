import { readFileSync } from "node:fs";

/** The proxy's program (plain Node, no dependencies), run in the proxy container as `node -e <source>`. */
let cached: string | undefined;
export function egressProxySource(): string {
  cached ??= readFileSync(new URL("./proxy/egress-proxy.cjs", import.meta.url), "utf8");
  return cached;
}

/** Where the proxy keeps its policy (a tmpfs only the proxy's user can write). */
export const EGRESS_STATE_DIR = "/run/monoclaw-egress";
/** The proxy's port on the sandbox's network. */
export const EGRESS_PROXY_PORT = 3128;
