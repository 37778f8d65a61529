import { readFileSync } from "node:fs";

/** The proxy's own modules besides its entry point, as it `local()`-requires them. */
const PROXY_MODULES = ["./x509.cjs", "./secret-injection.cjs", "./upstream-tunnel.cjs"] as const;

const proxyFile = (name: string) => readFileSync(new URL(`./proxy/${name}`, import.meta.url), "utf8");

/**
 * The proxy's program (plain Node, no dependencies), run in the proxy
 * container as `node -e <source>`: its modules are bundled in front of the
 * entry point, each in a CommonJS wrapper, behind `__monoclawModules(name)`.
 */
let cached: string | undefined;
export function egressProxySource(): string {
  cached ??= bundleEgressProxy(proxyFile);
  return cached;
}

/**
 * The bundle of the proxy files `read` returns (by name, such as `egress-proxy.cjs`); a module it has no text
 * for (undefined) is left out. bench/egress.mjs bundles an earlier revision's files with it to compare.
 */
export function bundleEgressProxy(read: (name: string) => string | undefined): string {
  const modules = PROXY_MODULES.flatMap((name) => {
    const text = read(name.replace(/^\.\//, ""));
    return text === undefined ? [] : [`    ${JSON.stringify(name)}: (module, exports) => {\n${text}\n    },`];
  });
  return [
    '"use strict";',
    "var __monoclawModules = (() => {",
    "  const factories = {",
    ...modules,
    "  };",
    "  const loaded = {};",
    "  return (name) => {",
    "    if (!loaded[name]) { const module = { exports: {} }; factories[name](module, module.exports); loaded[name] = module.exports; }",
    "    return loaded[name];",
    "  };",
    "})();",
    read("egress-proxy.cjs"),
  ].join("\n");
}

/** Where the proxy keeps its policy (a tmpfs only the proxy's user can write). */
export const EGRESS_STATE_DIR = "/run/monoclaw-egress";
/** The proxy's CA certificate in its state directory (the key stays in the proxy's memory). */
export const EGRESS_CA_FILE = `${EGRESS_STATE_DIR}/ca.pem`;
/** The proxy's port on the sandbox's network. */
export const EGRESS_PROXY_PORT = 3128;
