import type Docker from "dockerode";
import { isSecretEnvName, type HealthCheck } from "@monoclaw/core/backend";
import type { DockerConfig } from "../docker-config.js";
import { statusCodeOf } from "../engine/engine-errors.js";
import { ALLOWLIST_NETWORK } from "./egress-config.js";
import { egressProxyName } from "./egress-names.js";
import { buildEgressPolicy } from "./egress-policy.js";
import { egressProbeCheck } from "./egress-probe.js";

/**
 * `doctor`'s egress lines: what `network: allowlist` lets through, whether
 * the proxy runs and, in a running sandbox, a probe that the proxy refuses a
 * name it must refuse (egress-probe.ts); on `bridge`, a warning for forwarded
 * secrets, which any command can read and send anywhere.
 */
export async function egressHealthChecks(config: DockerConfig, sandboxName: string, docker: Docker | undefined): Promise<HealthCheck[]> {
  if (config.network !== ALLOWLIST_NETWORK) {
    const forwardedSecrets = config.forward_env.filter((name) => isSecretEnvName(name));
    if (config.network !== "bridge" && config.network !== "host") return [];
    if (forwardedSecrets.length === 0) return [];
    return [
      {
        id: "docker.egress",
        level: "warn",
        message: `network: ${config.network} with forward_env ${forwardedSecrets.join(", ")}: any command can read it and send it anywhere`,
        fix: "use network: allowlist (monoclaw config set terminal.docker.network allowlist) so commands reach only terminal.docker.egress.allow",
      },
    ];
  }
  const policy = buildEgressPolicy(config.egress, sandboxName);
  const checks: HealthCheck[] = [
    {
      id: "docker.egress",
      level: "ok",
      message:
        `network: allowlist: the sandbox reaches only ${policy.allow.length === 0 ? "nothing" : policy.allow.join(", ")}` +
        ` (preset ${config.egress.preset}${policy.deny.length > 0 ? `; deny wins: ${policy.deny.join(", ")}` : ""}` +
        `${policy.allow_private.length > 0 ? `; private allowed: ${policy.allow_private.join(", ")}` : ""}), through its egress proxy`,
    },
  ];
  const secrets = Object.entries(config.secrets);
  if (secrets.length > 0)
    checks.push({
      id: "docker.egress.secrets",
      level: "ok",
      // Names and hosts only: doctor never reads a value.
      message: `secrets the sandbox holds only as placeholders: ${secrets.map(([name, secret]) => `${name} (sent to ${secret.hosts.join(", ")})`).join("; ")}`,
    });
  if (!docker) return checks;
  const proxyName = egressProxyName(sandboxName);
  try {
    const info = await docker.getContainer(proxyName).inspect();
    checks.push(
      info.State.Running
        ? { id: "docker.egress.proxy", level: "ok", message: `egress proxy ${proxyName} running (${info.Config.Image}, since ${info.State.StartedAt})` }
        : {
            id: "docker.egress.proxy",
            level: "warn",
            message: `egress proxy ${proxyName} is ${info.State.Status} (exit ${info.State.ExitCode}): the sandbox has no network until the next command restarts it`,
            fix: `see what it logged: monoclaw sandbox egress ${sandboxName}`,
          },
    );
  } catch (error) {
    if (statusCodeOf(error) !== 404) throw error;
    checks.push({
      id: "docker.egress.proxy",
      level: "ok",
      message: `egress proxy ${proxyName} not created yet: the first command starts it (image ${config.egress.proxy_image})`,
    });
  }
  // The probe runs only in a running sandbox: doctor starts nothing.
  const sandbox = await docker
    .getContainer(sandboxName)
    .inspect()
    .catch(() => undefined);
  if (sandbox?.State.Running) checks.push(await egressProbeCheck(docker, sandbox.Id, sandboxName));
  return checks;
}
