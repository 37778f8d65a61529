import { BackendError } from "@monoclaw/core/backend";
import type { DockerConfig } from "../docker-config.js";
import { ALLOWLIST_NETWORK } from "./egress-config.js";
import { createEgressGateway, type EgressGateway } from "./egress-gateway.js";
import { egressNetworkName } from "./egress-names.js";
import { engineHostAddresses } from "./engine-host-addresses.js";
import type { EngineConnection } from "../engine/engine-discovery.js";
import { egressProxyEnv } from "./egress-proxy-env.js";

/** TEST-NET-1 (RFC 5737): never routed, and the internal network has no route anyway. */
const UNREACHABLE_DNS = "192.0.2.1";

/** What the Docker backend needs for `network: allowlist`. */
export interface SandboxEgress {
  /** The config the sandbox is built from: on the internal network only, proxy variables set. */
  readonly sandboxConfig: DockerConfig;
  /**
   * The sandbox's DNS servers: a documentation address (TEST-NET-1) that the
   * internal network has no route to, so the engine's embedded DNS answers
   * container names (the proxy's alias) and its forwards of any other name
   * get nowhere, whatever resolver the engine's host uses.
   */
  readonly sandboxDns: string[];
  /** Before every command: the network exists and the proxy runs with the current policy (restarted if it died). */
  ensure(engine: EngineConnection): Promise<void>;
  /** With the sandbox: stops the proxy. */
  stop(): Promise<void>;
}

/** The egress set-up of a sandbox, or undefined when its network is not `allowlist`. Does no I/O. */
export function sandboxEgressFor(config: DockerConfig, sandboxName: string, log: (message: string) => void): SandboxEgress | undefined {
  if (config.network !== ALLOWLIST_NETWORK) return undefined;
  if (config.container !== undefined) {
    throw new BackendError(
      "INVALID",
      `terminal.docker.network: allowlist needs a container MonoClaw manages, but terminal.docker.container is set (${config.container}); unset one of them`,
    );
  }
  let gateway: EgressGateway | undefined;
  let made: Promise<EgressGateway> | undefined;
  const gatewayFor = (engine: EngineConnection): Promise<EgressGateway> =>
    (made ??= engineHostAddresses(engine.endpoint.url).then(
      (hostAddresses) => (gateway = createEgressGateway({ docker: engine.docker, sandboxName, egress: config.egress, pull: config.pull, hostAddresses, log })),
    ));
  return {
    sandboxConfig: { ...config, network: egressNetworkName(sandboxName), env: { ...egressProxyEnv(), ...config.env } },
    sandboxDns: [UNREACHABLE_DNS],
    ensure: async (engine) => (await gatewayFor(engine)).ensure(),
    async stop() {
      await gateway?.stop();
    },
  };
}
