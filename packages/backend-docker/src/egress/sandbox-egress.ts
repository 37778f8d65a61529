import { BackendError } from "@monoclaw/core/backend";
import type { DockerConfig } from "../docker-config.js";
import { ALLOWLIST_NETWORK } from "./egress-config.js";
import { createEgressGateway, type EgressGateway } from "./egress-gateway.js";
import { egressNetworkName } from "./egress-names.js";
import { engineHostAddresses } from "./engine-host-addresses.js";
import type { EngineConnection } from "../engine/engine-discovery.js";
import { egressProxyEnv } from "./egress-proxy-env.js";
import { homedir } from "node:os";
import type Docker from "dockerode";
import { loadBoundSecrets, placeholderEnv, type BoundSecret } from "./secrets/sandbox-secrets.js";
import { resolveSourcePath, type SecretSourceContext } from "./secrets/secret-values.js";
import { caTrustEnv, installSandboxCa } from "./secrets/sandbox-trust.js";
import { readConfigFile } from "./secrets/read-config-file.js";
import { egressDecisionsSince, refusalNotices } from "./egress-refusals.js";
import { createEgressDecisionLog } from "./egress-decision-log.js";
import { monoclawHomeOf } from "../container/volume-mounts.js";
import { join } from "node:path";

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
  /**
   * After `ensure`, with the sandbox running: with secrets bound, the proxy's
   * CA is in the sandbox's trust stores (installed again when the proxy, and
   * so its CA, or the container changed). Cheap when nothing changed.
   */
  prepareSandbox(docker: Docker, containerId: string): Promise<void>;
  /** `KEY=VALUE` entries for each command: the secrets' placeholders and the trust variables (after `ensure`). */
  execEnv(): string[];
  /**
   * After a command that started at `sinceMs`: its decisions go into
   * MonoClaw's own decision log, and what was refused comes back as notices
   * for the command's result.
   */
  afterCommand(docker: Docker, sinceMs: number): Promise<string[]>;
  /** With the sandbox: stops the proxy. */
  stop(): Promise<void>;
}

/** The egress set-up of a sandbox, or undefined when its network is not `allowlist`. Does no I/O. */
export function sandboxEgressFor(
  config: DockerConfig,
  sandboxName: string,
  log: (message: string) => void,
  sources: SecretSourceContext,
): SandboxEgress | undefined {
  if (config.network !== ALLOWLIST_NETWORK) {
    if (Object.keys(config.secrets).length > 0)
      throw new BackendError(
        "INVALID",
        `terminal.docker.secrets needs terminal.docker.network: allowlist (it is ${config.network}): the egress proxy is what puts a secret into requests; set it with: monoclaw config set terminal.docker.network allowlist`,
      );
    return undefined;
  }
  const forwarded = config.forward_env.find((name) => name in config.secrets);
  if (forwarded !== undefined)
    throw new BackendError(
      "INVALID",
      `${forwarded} is in both terminal.docker.forward_env and terminal.docker.secrets: forward_env would hand commands the real value; remove it from forward_env`,
    );
  if (config.container !== undefined) {
    throw new BackendError(
      "INVALID",
      `terminal.docker.network: allowlist needs a container MonoClaw manages, but terminal.docker.container is set (${config.container}); unset one of them`,
    );
  }
  const decisionLog = createEgressDecisionLog(join(monoclawHomeOf(sources.env, sources.homeDir ?? homedir()), "egress", `${sandboxName}.jsonl`));
  let gateway: EgressGateway | undefined;
  let made: Promise<EgressGateway> | undefined;
  let secrets: BoundSecret[] = [];
  /** `${sandbox id}@${proxy CA version}` last installed. */
  let trustInstalled: string | undefined;
  const gatewayFor = (engine: EngineConnection): Promise<EgressGateway> =>
    (made ??= (async () => {
      const [hostAddresses, bound, upstreamCa] = await Promise.all([
        engineHostAddresses(engine.endpoint.url),
        loadBoundSecrets(config.secrets, sandboxName, sources),
        readUpstreamCa(config.egress.upstream_ca_file, sources),
      ]);
      secrets = bound;
      gateway = createEgressGateway({
        docker: engine.docker,
        sandboxName,
        egress: config.egress,
        pull: config.pull,
        hostAddresses,
        secrets,
        ...(upstreamCa !== undefined ? { upstreamCa } : {}),
        log,
      });
      return gateway;
    })().catch((error: unknown) => {
      made = undefined;
      throw error;
    }));
  return {
    sandboxConfig: { ...config, network: egressNetworkName(sandboxName), env: { ...egressProxyEnv(), ...config.env } },
    sandboxDns: [UNREACHABLE_DNS],
    ensure: async (engine) => (await gatewayFor(engine)).ensure(),
    async prepareSandbox(docker, containerId) {
      const authority = secrets.length > 0 ? gateway?.authority() : undefined;
      if (!authority || trustInstalled === `${containerId}@${authority.version}`) return;
      await installSandboxCa(docker, containerId, authority.certificatePem);
      trustInstalled = `${containerId}@${authority.version}`;
    },
    async afterCommand(docker, sinceMs) {
      const decisions = await egressDecisionsSince(docker, sandboxName, sinceMs);
      await decisionLog.append(decisions);
      return refusalNotices(decisions, sandboxName);
    },
    execEnv: () => (secrets.length > 0 ? [...placeholderEnv(secrets), ...caTrustEnv()] : []),
    async stop() {
      await gateway?.stop();
    },
  };
}

/** A bundle of a few hundred certificates is under 1 MiB. */
const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;

async function readUpstreamCa(file: string | undefined, sources: SecretSourceContext): Promise<string | undefined> {
  if (file === undefined) return undefined;
  const path = resolveSourcePath(file, sources);
  const text = await readConfigFile(path, MAX_CA_FILE_BYTES).catch((error: Error) => {
    throw new BackendError("INVALID", `terminal.docker.egress.upstream_ca_file: ${path} cannot be read (${error.message}); point it at a PEM file`);
  });
  if (!text.includes("-----BEGIN CERTIFICATE-----"))
    throw new BackendError("INVALID", `terminal.docker.egress.upstream_ca_file: ${path} holds no PEM certificate; point it at a PEM file`);
  return text;
}
