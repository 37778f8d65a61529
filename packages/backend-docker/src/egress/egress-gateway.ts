import { createHash } from "node:crypto";
import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import { LABEL_CONFIG_HASH, LABEL_CREATED_AT, LABEL_MANAGED_BY, MANAGED_BY_VALUE } from "../container/container-labels.js";
import { engineMessage, statusCodeOf } from "../engine/engine-errors.js";
import { ensureImage, type PullPolicy } from "../image/image-pull.js";
import type { EgressConfig } from "./egress-config.js";
import { buildEgressPolicy } from "./egress-policy.js";
import { EGRESS_PROXY_ALIAS } from "./egress-proxy-env.js";
import { EGRESS_STATE_DIR, egressProxySource } from "./egress-proxy-source.js";
import { readProxyAuthority } from "./proxy-authority.js";
import type { BoundSecret } from "./secrets/sandbox-secrets.js";
import { LABEL_EGRESS_FOR, LABEL_EGRESS_ROLE, egressNetworkName, egressProxyName } from "./egress-names.js";
import { EGRESS_PROXY_USER, pushEgressPolicy } from "./push-egress-policy.js";

/** The network with a way out that the proxy joins besides the sandbox's internal one. */
const OUTBOUND_NETWORK = "bridge";

export interface EgressGatewayOptions {
  docker: Docker;
  /** The sandbox container's name; the network and proxy are named after it. */
  sandboxName: string;
  egress: EgressConfig;
  pull: PullPolicy;
  /** Addresses of the engine's host known on MonoClaw's side (refused by the proxy). */
  hostAddresses?: readonly string[];
  /** Bound secrets (real values): they go into the proxy's policy only. */
  secrets?: readonly BoundSecret[];
  /** `egress.upstream_ca_file`'s contents. */
  upstreamCa?: string;
  log: (message: string) => void;
}

/** The proxy's CA certificate, and which start of the proxy made it (a restarted proxy has a new CA). */
export interface ProxyAuthority {
  certificatePem: string;
  version: string;
}

export interface EgressGateway {
  /** The `--internal` network the sandbox is attached to (and nothing else). */
  readonly networkName: string;
  readonly proxyName: string;
  /**
   * Makes sure the network exists and the proxy runs with the current policy:
   * creates, starts or replaces it as needed, so a proxy that died or was
   * killed comes back on the next command. Cheap when all is well (one inspect).
   */
  ensure(): Promise<void>;
  /** After `ensure`: the running proxy's CA certificate. */
  authority(): ProxyAuthority | undefined;
  /** Stops the proxy (with the sandbox); the network stays for the next start. */
  stop(): Promise<void>;
}

/**
 * The sandbox's only way out: an `--internal` network (no route off it; the
 * bridge gets no address, so not even the engine's host is reachable) whose
 * one other member is the egress proxy, which is also on the engine's default
 * bridge. Both live on the engine's side, so this works for ssh:// and tcp://
 * engines as for a local socket.
 */
export function createEgressGateway(options: EgressGatewayOptions): EgressGateway {
  const { docker, sandboxName } = options;
  const networkName = egressNetworkName(sandboxName);
  const proxyName = egressProxyName(sandboxName);
  const policyText = JSON.stringify(
    buildEgressPolicy(options.egress, sandboxName, {
      ...(options.hostAddresses ? { hostAddresses: options.hostAddresses } : {}),
      ...(options.secrets ? { secrets: options.secrets } : {}),
      ...(options.upstreamCa !== undefined ? { upstreamCa: options.upstreamCa } : {}),
    }),
  );
  /** The policy this process last made the running proxy apply, by proxy container id. */
  let appliedTo: string | undefined;
  let pending: Promise<void> | undefined;
  let currentAuthority: ProxyAuthority | undefined;

  const ensureNetwork = async (): Promise<string> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await docker
        .getNetwork(networkName)
        .inspect()
        .catch((error: unknown) => (statusCodeOf(error) === 404 ? undefined : Promise.reject(error)));
      if (existing) {
        // Never put a sandbox on a network that has a way out, whoever made it.
        if (existing.Internal !== true || existing.Labels?.[LABEL_MANAGED_BY] !== MANAGED_BY_VALUE) {
          throw new BackendError(
            "UNAVAILABLE",
            `Network ${networkName} exists but is not MonoClaw's internal egress network: remove it (\`docker network rm ${networkName}\`) and retry`,
          );
        }
        const subnet = existing.IPAM?.Config?.[0]?.Subnet;
        if (!subnet)
          throw new BackendError("UNAVAILABLE", `Network ${networkName} has no IPv4 subnet: remove it (\`docker network rm ${networkName}\`) and retry`);
        return subnet;
      }
      try {
        await docker.createNetwork({
          Name: networkName,
          Driver: "bridge",
          Internal: true,
          CheckDuplicate: true,
          // No address on the bridge: the sandbox cannot reach the engine's host through it.
          Options: { "com.docker.network.bridge.inhibit_ipv4": "true" },
          Labels: { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_EGRESS_ROLE]: "network", [LABEL_EGRESS_FOR]: sandboxName },
        });
      } catch (error) {
        if (statusCodeOf(error) !== 409)
          throw new BackendError("UNAVAILABLE", `Could not create the egress network ${networkName}: ${engineMessage(error)}`, { cause: error });
      }
    }
    throw new BackendError("UNAVAILABLE", `Could not create or find the egress network ${networkName}`);
  };

  const createProxy = async (subnet: string, configHash: string): Promise<string> => {
    const created = await docker.createContainer({
      name: proxyName,
      Image: options.egress.proxy_image,
      Entrypoint: [],
      Cmd: ["node", "-e", egressProxySource()],
      Env: [`MONOCLAW_EGRESS_LISTEN_SUBNET=${subnet}`, `MONOCLAW_EGRESS_STATE_DIR=${EGRESS_STATE_DIR}`],
      User: EGRESS_PROXY_USER,
      WorkingDir: "/",
      Labels: {
        [LABEL_MANAGED_BY]: MANAGED_BY_VALUE,
        [LABEL_CONFIG_HASH]: configHash,
        [LABEL_CREATED_AT]: new Date().toISOString(),
        [LABEL_EGRESS_ROLE]: "proxy",
        [LABEL_EGRESS_FOR]: sandboxName,
      },
      HostConfig: {
        NetworkMode: networkName,
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges:true"],
        ReadonlyRootfs: true,
        Tmpfs: { [EGRESS_STATE_DIR]: "rw,noexec,nosuid,nodev,size=1m,mode=0700,uid=65534,gid=65534" },
        PidsLimit: 256,
        Memory: 256 * 1024 * 1024,
        RestartPolicy: { Name: "unless-stopped" },
      },
      NetworkingConfig: { EndpointsConfig: { [networkName]: { Aliases: [EGRESS_PROXY_ALIAS] } } },
    });
    await docker.getNetwork(OUTBOUND_NETWORK).connect({ Container: created.id });
    return created.id;
  };

  /** Writes the policy into the proxy's tmpfs and waits until the proxy says it applied it (SIGHUP reload). */
  const pushPolicy = (containerId: string): Promise<void> => pushEgressPolicy(docker, containerId, policyText, proxyName);

  const bringUp = async (): Promise<void> => {
    const subnet = await ensureNetwork();
    const image = await ensureImage(docker, options.egress.proxy_image, options.pull);
    const configHash = createHash("sha256")
      .update(JSON.stringify({ image: image.Id, source: egressProxySource(), subnet, networkName }))
      .digest("hex")
      .slice(0, 16);
    let info = await docker
      .getContainer(proxyName)
      .inspect()
      .catch((error: unknown) => (statusCodeOf(error) === 404 ? undefined : Promise.reject(error)));
    if (info && info.Config.Labels?.[LABEL_MANAGED_BY] !== MANAGED_BY_VALUE) {
      throw new BackendError(
        "UNAVAILABLE",
        `A container named ${proxyName} exists but MonoClaw did not create it: remove it (\`docker rm -f ${proxyName}\`) and retry`,
      );
    }
    if (info && info.Config.Labels?.[LABEL_CONFIG_HASH] !== configHash) {
      options.log(`Egress proxy ${proxyName} is out of date: replacing it`);
      await docker
        .getContainer(info.Id)
        .remove({ force: true })
        .catch(() => undefined);
      info = undefined;
    }
    let id = info?.Id;
    if (!id) {
      try {
        id = await createProxy(subnet, configHash);
      } catch (error) {
        if (statusCodeOf(error) !== 409)
          throw new BackendError("UNAVAILABLE", `Could not create the egress proxy ${proxyName}: ${engineMessage(error)}`, { cause: error });
        id = (await docker.getContainer(proxyName).inspect()).Id; // another process made it first
      }
    }
    if (!info?.State.Running) {
      if (info) options.log(`Egress proxy ${proxyName} was not running (${info.State.Status}): starting it`);
      await docker
        .getContainer(id)
        .start()
        .catch((error: unknown) => {
          if (statusCodeOf(error) !== 304)
            throw new BackendError("UNAVAILABLE", `Could not start the egress proxy ${proxyName}: ${engineMessage(error)}`, { cause: error });
        });
      appliedTo = undefined;
    }
    const startedAt = info?.State.Running ? `${id}@${info.State.StartedAt}` : undefined;
    if (appliedTo === undefined || appliedTo !== startedAt) {
      await pushPolicy(id);
      const now = await docker.getContainer(id).inspect();
      appliedTo = `${id}@${now.State.StartedAt}`;
      currentAuthority = { certificatePem: await readProxyAuthority(docker, id, proxyName), version: appliedTo };
    }
  };

  return {
    networkName,
    proxyName,
    ensure() {
      pending ??= bringUp().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    authority: () => currentAuthority,
    async stop() {
      appliedTo = undefined;
      await docker
        .getContainer(proxyName)
        .stop({ t: 1 })
        .catch(() => undefined);
    },
  };
}
