import { EGRESS_PROXY_PORT } from "./egress-proxy-source.js";

/** The proxy's name on the sandbox's network (a network alias, answered by the engine's embedded DNS). */
export const EGRESS_PROXY_ALIAS = "monoclaw-egress-proxy";

/**
 * Proxy variables for tools that honour them (upper and lower case, as curl,
 * wget, pip, npm, git and Python read different ones). Nothing depends on
 * them: without the proxy the sandbox has no route anywhere.
 */
export function egressProxyEnv(): Record<string, string> {
  const url = `http://${EGRESS_PROXY_ALIAS}:${EGRESS_PROXY_PORT}`;
  const noProxy = "localhost,127.0.0.1,::1";
  const env: Record<string, string> = {};
  for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"]) {
    env[name] = url;
    env[name.toLowerCase()] = url;
  }
  env.NO_PROXY = noProxy;
  env.no_proxy = noProxy;
  // Node 22.21+/24+ fetch and http honour the variables only when asked to.
  env.NODE_USE_ENV_PROXY = "1";
  return env;
}
