import type Docker from "dockerode";
import { egressDecisionsSince } from "./egress-refusals.js";
import { egressProxyName } from "./egress-names.js";
import type { EgressRecord } from "./egress-log.js";

/** The label apps/mom/docker.sh gives the egress proxy it makes for a sandbox (`--label monoclaw.mom=egress-proxy`). */
export const DOCKER_SH_PROXY_LABEL = "monoclaw.mom";
export const DOCKER_SH_PROXY_ROLE = "egress-proxy";

/**
 * The decisions docker.sh's egress proxy for an attached sandbox logged since
 * `sinceMs`. Only a container docker.sh labelled as that sandbox's proxy is
 * read: any other container that happens to be named `<name>-egress-proxy`
 * (a user's own, one whose output an attacker shapes) would otherwise put
 * forged "refused ..." notices into the model's tool results.
 */
export async function attachedProxyDecisionsSince(docker: Docker, sandboxName: string, sinceMs: number): Promise<EgressRecord[]> {
  const proxy = await docker
    .getContainer(egressProxyName(sandboxName))
    .inspect()
    .catch(() => undefined);
  if (proxy?.Config.Labels?.[DOCKER_SH_PROXY_LABEL] !== DOCKER_SH_PROXY_ROLE) return [];
  return egressDecisionsSince(docker, sandboxName, sinceMs);
}
