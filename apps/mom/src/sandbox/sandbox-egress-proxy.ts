import { installSandboxCa, pushEgressPolicy, readProxyAuthority, type BoundSecret, type EngineConnection } from "@monoclaw/backend-docker";
import { describeSecrets, loadSandboxSecrets, MOM_EGRESS_SECRETS_LABEL, parseSecretBindings, secretCommandEnv } from "./sandbox-egress-secrets.js";

type Engine = EngineConnection["docker"];
type ContainerInfo = Awaited<ReturnType<ReturnType<Engine["getContainer"]>["inspect"]>>;

/** docker.sh's labels on the proxy it creates with MOM_NETWORK=allowlist (apps/mom/docker.sh, the egress block). */
export const MOM_ROLE_LABEL = "monoclaw.mom";
export const MOM_EGRESS_PROXY_ROLE = "egress-proxy";
export const MOM_EGRESS_POLICY_LABEL = "monoclaw.mom.egress-policy";

/** The names docker.sh gives a sandbox's internal network and proxy. */
export const momEgressNetwork = (sandbox: string) => `${sandbox}-egress`;
export const momEgressProxy = (sandbox: string) => `${sandbox}-egress-proxy`;

/** The egress proxy of a sandbox on docker.sh's internal network. */
export interface SandboxEgressProxy {
  readonly proxyName: string;
  /**
   * Makes sure the proxy runs with its policy: one inspect when it does;
   * otherwise starts it and writes its policy (a start wipes its tmpfs, and
   * until then it refuses everything). Throws, naming `./docker.sh create`,
   * when the proxy is gone. With MOM_SECRETS the first call reads the
   * values from mom's environment (failing closed when one is unset), gives
   * them to the proxy with the policy, and installs the proxy's CA in the
   * sandbox (again whenever the proxy restarted, with a new CA).
   */
  ensure(): Promise<void>;
  /** After `ensure`: what every command gets, the secrets' placeholders and the CA trust variables (empty without MOM_SECRETS). */
  commandEnv(): Record<string, string>;
}

export interface SandboxEgressProxyOptions {
  docker: Engine;
  /** The sandbox container's name (docker.sh's MOM_CONTAINER). */
  sandbox: string;
  /** Its data directory, for the `./docker.sh create` in errors. */
  dataDir: string;
  log: (message: string) => void;
  /** mom's environment: where the values of the secrets docker.sh bound by name come from. */
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * The proxy to keep running for an attached sandbox, or undefined when the
 * sandbox is not on docker.sh's egress network (MOM_NETWORK was not
 * allowlist). Inspects the sandbox once; does not touch the proxy.
 */
export async function sandboxEgressProxyFor(options: SandboxEgressProxyOptions): Promise<SandboxEgressProxy | undefined> {
  const { docker, sandbox } = options;
  const info = await docker.getContainer(sandbox).inspect();
  if (!Object.keys(info.NetworkSettings?.Networks ?? {}).includes(momEgressNetwork(sandbox))) return undefined;
  const proxyName = momEgressProxy(sandbox);
  const envPrefix = sandbox === "mom-sandbox" ? "" : `MOM_CONTAINER=${sandbox} `;
  const recreate = `${envPrefix}./docker.sh remove && ${envPrefix}MOM_NETWORK=allowlist MOM_EGRESS_ALLOW=<hosts> ./docker.sh create ${options.dataDir}`;
  /** `${proxy id}@${StartedAt}` whose policy this process wrote: a proxy started since (restart policy, by hand) has none. */
  let appliedTo: string | undefined;
  let pending: Promise<void> | undefined;
  /** Read once, at the first `ensure` (mom's start); the label they came from, to notice a proxy made again with other ones. */
  let secrets: { label: string; bound: BoundSecret[] } | undefined;

  const inspectProxy = async (): Promise<ContainerInfo> => {
    const proxy = await docker
      .getContainer(proxyName)
      .inspect()
      .catch((error: { statusCode?: number }) => (error.statusCode === 404 ? undefined : Promise.reject(error)));
    if (!proxy)
      throw new Error(
        `container '${sandbox}' is on the egress network ${momEgressNetwork(sandbox)}, but its egress proxy ${proxyName} does not exist, so it can reach nothing. Recreate both: ${recreate}`,
      );
    if (proxy.Config.Labels?.[MOM_ROLE_LABEL] !== MOM_EGRESS_PROXY_ROLE || proxy.Config.Labels[MOM_EGRESS_POLICY_LABEL] === undefined)
      throw new Error(`container ${proxyName} is not the egress proxy ./docker.sh made (no ${MOM_EGRESS_POLICY_LABEL} label). Recreate both: ${recreate}`);
    return proxy;
  };

  const bringUp = async (): Promise<void> => {
    const proxy = await inspectProxy();
    if (proxy.State.Running && appliedTo === `${proxy.Id}@${proxy.State.StartedAt}`) return;
    const label = proxy.Config.Labels[MOM_EGRESS_SECRETS_LABEL] ?? "";
    secrets ??= { label, bound: await loadSandboxSecrets(parseSecretBindings(label, proxyName, recreate), sandbox, options.env) };
    if (secrets.label !== label)
      throw new Error(`the egress proxy ${proxyName} was made again with other secrets (MOM_SECRETS) since mom started: restart mom`);
    const bound = secrets.bound;
    const policy = withSecrets(proxy.Config.Labels[MOM_EGRESS_POLICY_LABEL]!, bound, proxyName, recreate);
    if (!proxy.State.Running) {
      options.log(`Egress proxy ${proxyName} was ${proxy.State.Status}: starting it (without it the sandbox reaches nothing)`);
      await docker
        .getContainer(proxy.Id)
        .start()
        .catch((error: { statusCode?: number; message: string }) => {
          if (error.statusCode !== 304) throw new Error(`could not start the egress proxy ${proxyName}: ${error.message}`);
        });
    } else if (appliedTo !== undefined) {
      options.log(`Egress proxy ${proxyName} restarted (at ${proxy.State.StartedAt}), which wiped its policy: loading it again`);
    }
    // At start, with the proxy running, its policy is written again quietly (docker.sh may not have, e.g. after a restart).
    const quiet = appliedTo === undefined && proxy.State.Running;
    await pushEgressPolicy(docker, proxy.Id, policy, proxyName);
    const now = await docker.getContainer(proxy.Id).inspect();
    // Each start of the proxy makes a new CA: the sandbox trusts this one (for the hosts a secret is bound to) before a command runs.
    if (bound.length > 0) await installSandboxCa(docker, sandbox, await readProxyAuthority(docker, proxy.Id, proxyName));
    appliedTo = `${now.Id}@${now.State.StartedAt}`;
    const secretsNote = bound.length > 0 ? `; secrets: ${describeSecrets(bound)}` : "";
    if (!quiet) options.log(`Egress proxy ${proxyName} is running with its policy (allow: ${describeAllow(policy)}${secretsNote})`);
    else if (bound.length > 0) options.log(`Egress proxy ${proxyName} holds the secrets from mom's environment (${describeSecrets(bound)})`);
  };

  return {
    proxyName,
    ensure() {
      pending ??= bringUp().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    commandEnv: () => secretCommandEnv(secrets?.bound ?? []),
  };
}

/** docker.sh's policy with the secrets' values added: this text goes to the proxy only (an exec's stdin), never into a label. */
function withSecrets(policy: string, secrets: readonly BoundSecret[], proxyName: string, recreate: string): string {
  if (secrets.length === 0) return policy;
  try {
    return JSON.stringify({ ...(JSON.parse(policy) as object), secrets });
  } catch {
    throw new Error(`the ${MOM_EGRESS_POLICY_LABEL} label of ${proxyName} is not JSON. Recreate both: ${recreate}`);
  }
}

/** The allow-list in docker.sh's policy label, for the log. */
function describeAllow(policy: string): string {
  try {
    const allow = (JSON.parse(policy) as { allow?: unknown }).allow;
    return Array.isArray(allow) && allow.length > 0 ? allow.map(String).join(", ") : "nothing";
  } catch {
    return "unreadable policy";
  }
}
