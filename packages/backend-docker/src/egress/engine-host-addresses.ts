import { lookup } from "node:dns/promises";
import { networkInterfaces } from "node:os";

/**
 * Addresses of the engine's host as MonoClaw can know them, for the proxy to
 * refuse (besides the container-network gateways it finds itself): this
 * machine's interface addresses for a local socket, the resolved name of a
 * tcp:// or ssh:// engine. Best effort: an unresolvable name adds nothing.
 */
export async function engineHostAddresses(endpointUrl: string): Promise<string[]> {
  if (endpointUrl.startsWith("unix://") || endpointUrl.startsWith("npipe://") || !endpointUrl.includes("://")) {
    return Object.values(networkInterfaces())
      .flatMap((entries) => entries ?? [])
      .map((entry) => entry.address.replace(/%.*$/, ""));
  }
  let host: string;
  try {
    host = new URL(endpointUrl).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return [];
  }
  if (!host) return [];
  const found = await lookup(host, { all: true, verbatim: true }).catch(() => []);
  return found.map((entry) => entry.address);
}
