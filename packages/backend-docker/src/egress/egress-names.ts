import type Docker from "dockerode";
import { statusCodeOf } from "../engine/engine-errors.js";

/** What a MonoClaw egress object is: the proxy container or the sandbox's internal network. */
export const LABEL_EGRESS_ROLE = "dev.monoclaw.egress-role";
/** The sandbox container an egress proxy or network belongs to. */
export const LABEL_EGRESS_FOR = "dev.monoclaw.egress-for";

/** The sandbox's internal network, named after it. */
export function egressNetworkName(sandboxName: string): string {
  return `${sandboxName}-egress`;
}

/** The sandbox's egress proxy container, named after it. */
export function egressProxyName(sandboxName: string): string {
  return `${sandboxName}-egress-proxy`;
}

/** Removes a sandbox's proxy and network (with the sandbox: `sandbox rm`, the reaper); nothing there is fine. */
export async function removeEgressFor(docker: Docker, sandboxName: string): Promise<void> {
  const ignoreMissing = (error: unknown) => {
    const status = statusCodeOf(error);
    if (status !== 404 && status !== 409) throw error;
  };
  const proxy = await docker
    .getContainer(egressProxyName(sandboxName))
    .inspect()
    .catch(() => undefined);
  // Only ours: a same-named container or network someone else made is left alone.
  if (proxy?.Config.Labels?.[LABEL_EGRESS_FOR] === sandboxName) await docker.getContainer(proxy.Id).remove({ force: true }).catch(ignoreMissing);
  const network = await docker
    .getNetwork(egressNetworkName(sandboxName))
    .inspect()
    .catch(() => undefined);
  if (network?.Labels?.[LABEL_EGRESS_FOR] === sandboxName) await docker.getNetwork(network.Id).remove().catch(ignoreMissing);
}
