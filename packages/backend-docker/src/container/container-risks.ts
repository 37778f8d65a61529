import { realpathSync } from "node:fs";
import type Docker from "dockerode";
import { findRuntimeContainer } from "../engine/host-path-translation.js";
import { ADDED_CAPABILITIES } from "./container-spec.js";
import { engineHostMountDanger, localMountDanger, type MountDanger } from "./mount-policy.js";
import { networkRisk } from "./network-risk.js";
import { monoclawHomeOf } from "./volume-mounts.js";

/**
 * One dangerous setting of a container MonoClaw did not create (attach mode,
 * mom's `--sandbox=docker:NAME`). `refuse` risks (engine socket, privileged)
 * stop the backend unless explicitly allowed; `warn` ones are said at start
 * and in `doctor`.
 */
export interface ContainerRisk {
  /** Stable id for `doctor`, e.g. `privileged`, `capabilities`, `mount`. */
  id: string;
  level: "refuse" | "warn";
  /** What is dangerous and why. */
  message: string;
  /** The `docker run` / `docker.sh` change that fixes it. */
  fix: string;
}

/** The host config fields the checks read, as the Engine API's inspect and create both spell them. */
export type InspectedHostConfig = Pick<
  Docker.HostConfig,
  | "Privileged"
  | "CapAdd"
  | "CapDrop"
  | "PidMode"
  | "IpcMode"
  | "NetworkMode"
  | "UsernsMode"
  | "UTSMode"
  | "SecurityOpt"
  | "Devices"
  | "DeviceCgroupRules"
  | "PidsLimit"
  | "Init"
>;

export interface InspectedMount {
  Type?: string;
  Source: string;
  Destination: string;
  RW: boolean;
}

export interface ContainerRiskContext {
  /** The user's home directory (credential paths). */
  homeDir: string;
  /**
   * True when the engine's host is this machine as MonoClaw sees it (a local
   * unix socket, MonoClaw not in a container): bind sources are then also
   * checked on disk (links resolved, sockets inside directories).
   */
  localFilesystem: boolean;
  /** More credential paths, e.g. `$MONOCLAW_HOME`. */
  credentialPaths?: readonly string[];
}

const RECREATE = "re-create the container without it (mom: ./docker.sh remove && ./docker.sh create <data-dir> makes a hardened one)";
const HARDENED_RUN_FLAGS = `--cap-drop ALL ${ADDED_CAPABILITIES.map((cap) => `--cap-add ${cap}`).join(" ")}`;

/** Every dangerous setting of `hostConfig` and `mounts`, refusals first. */
export function containerRisks(hostConfig: InspectedHostConfig, mounts: readonly InspectedMount[], context: ContainerRiskContext): ContainerRisk[] {
  const risks: ContainerRisk[] = [];
  const add = (id: string, level: ContainerRisk["level"], message: string, fix: string) => risks.push({ id, level, message, fix });

  if (hostConfig.Privileged) {
    add(
      "privileged",
      "refuse",
      "it runs --privileged: every capability and every host device, so a command can take over the host",
      `${RECREATE}; docker run: drop --privileged`,
    );
  }
  for (const mount of mounts) {
    if (mount.Type !== undefined && mount.Type !== "bind") continue; // named volumes and tmpfs live inside the engine
    const danger = bindDanger(mount, context);
    if (!danger) continue;
    add(
      "mount",
      danger.kind === "engine-socket" ? "refuse" : "warn",
      `it mounts ${mount.Source} at ${mount.Destination}${mount.RW ? "" : " (ro)"}: ${danger.reason}`,
      `${RECREATE}; docker run: drop -v ${mount.Source}:${mount.Destination}`,
    );
  }
  const added = capabilityList(hostConfig.CapAdd);
  const extra = added.filter((cap) => !(ADDED_CAPABILITIES as readonly string[]).includes(cap));
  if (extra.length > 0) {
    add(
      "capabilities",
      "warn",
      `it adds capabilities ${extra.join(", ")} (a package manager needs only ${ADDED_CAPABILITIES.join(", ")})`,
      `${RECREATE}; docker run: drop ${extra.map((cap) => `--cap-add ${cap}`).join(" ")}`,
    );
  }
  if (!capabilityList(hostConfig.CapDrop).includes("ALL")) {
    add(
      "capabilities",
      "warn",
      "it keeps Docker's default capabilities (NET_RAW, MKNOD, SYS_CHROOT, SETFCAP, SETPCAP, NET_BIND_SERVICE, AUDIT_WRITE, FSETID...)",
      `${RECREATE}; docker run: ${HARDENED_RUN_FLAGS}`,
    );
  }
  for (const [id, mode, flag, what] of [
    ["pid", hostConfig.PidMode, "--pid", "processes"],
    ["ipc", hostConfig.IpcMode, "--ipc", "shared memory"],
    ["uts", hostConfig.UTSMode, "--uts", "host name"],
  ] as const) {
    if (mode === "host") add(id, "warn", `it shares the host's ${what} (${flag} host)`, `${RECREATE}; docker run: drop ${flag} host`);
    else if (mode?.startsWith("container:"))
      add(
        id,
        "warn",
        `it shares the ${what} of container ${mode.slice("container:".length)} (${flag} ${mode})`,
        `${RECREATE}; docker run: drop ${flag} ${mode}`,
      );
  }
  const network = networkRisk(hostConfig.NetworkMode, `--network ${hostConfig.NetworkMode}`);
  if (network) add("network", "warn", network.message, `${RECREATE}; ${network.fix}`);
  if (hostConfig.UsernsMode === "host") {
    add(
      "userns",
      "warn",
      "it turns the engine's user-namespace remapping off (--userns host): root in it is root on the host",
      `${RECREATE}; docker run: drop --userns host`,
    );
  }
  const securityOptions = securityOptionsOf(hostConfig);
  for (const [option, what] of [
    ["seccomp:unconfined", "seccomp filtering off"],
    ["apparmor:unconfined", "AppArmor off"],
    ["label:disable", "SELinux labels off"],
    ["systempaths:unconfined", "/proc and /sys unmasked"],
  ] as const) {
    if (securityOptions.includes(option))
      add(
        "security-opt",
        "warn",
        `it runs with ${what} (--security-opt ${option.replace(":", "=")})`,
        `${RECREATE}; docker run: drop --security-opt ${option.replace(":", "=")}`,
      );
  }
  if (!hasNoNewPrivileges(securityOptions)) {
    add(
      "no-new-privileges",
      "warn",
      "setuid programs in it can gain privileges (no-new-privileges is not set)",
      `${RECREATE}; docker run: --security-opt no-new-privileges`,
    );
  }
  const devices = ((hostConfig.Devices as { PathOnHost?: string }[] | null | undefined) ?? []).map((device) => device.PathOnHost ?? "?");
  if (devices.length > 0 || (hostConfig.DeviceCgroupRules ?? []).length > 0) {
    add(
      "devices",
      "warn",
      `it has host devices: ${[...devices, ...(hostConfig.DeviceCgroupRules ?? [])].join(", ")}`,
      `${RECREATE}; docker run: drop --device / --device-cgroup-rule`,
    );
  }
  if (!hostConfig.PidsLimit || hostConfig.PidsLimit < 0) {
    add("pids-limit", "warn", "it has no process limit: a fork bomb in it slows the whole host", `${RECREATE}; docker run: --pids-limit 512`);
  }
  return [...risks.filter((risk) => risk.level === "refuse"), ...risks.filter((risk) => risk.level === "warn")];
}

/**
 * What the container's hardening actually is, for `doctor`: capabilities,
 * no-new-privileges, process limit, init. Read from the container (or the
 * spec MonoClaw will create it with), never a fixed sentence.
 */
export function describeHardening(hostConfig: InspectedHostConfig): string {
  const dropped = capabilityList(hostConfig.CapDrop);
  const added = capabilityList(hostConfig.CapAdd);
  const capabilities = hostConfig.Privileged
    ? "privileged (every capability)"
    : dropped.includes("ALL")
      ? `all capabilities dropped${added.length ? ` except ${added.join(", ")}` : ""}`
      : `Docker's default capabilities${dropped.length ? ` minus ${dropped.join(", ")}` : ""}${added.length ? ` plus ${added.join(", ")}` : ""}`;
  const noNewPrivileges = hasNoNewPrivileges(securityOptionsOf(hostConfig));
  return [
    capabilities,
    noNewPrivileges ? "no-new-privileges" : "no no-new-privileges",
    hostConfig.PidsLimit && hostConfig.PidsLimit > 0 ? `pids limit ${hostConfig.PidsLimit}` : "no pids limit",
    hostConfig.Init ? "init" : "no init",
  ].join(", ");
}

/**
 * Whether bind sources the engine reports can also be checked on this
 * machine's disk: the engine is reached over a local unix socket and does not
 * know MonoClaw's process as one of its containers (so `/.dockerenv` alone,
 * as in an engine running inside the same container, does not count).
 */
export async function engineSharesOurFilesystem(docker: Docker): Promise<boolean> {
  const socketPath = (docker.modem as { socketPath?: unknown }).socketPath;
  if (typeof socketPath !== "string") return false;
  return (await findRuntimeContainer(docker).catch(() => "unknown" as const)) === undefined;
}

/** The context attach mode and `doctor` judge an attached container's binds in. */
export async function riskContextFor(docker: Docker, homeDir: string, env: Readonly<Record<string, string | undefined>>): Promise<ContainerRiskContext> {
  return { homeDir, localFilesystem: await engineSharesOurFilesystem(docker), credentialPaths: [monoclawHomeOf(env, homeDir)] };
}

function bindDanger(mount: InspectedMount, context: ContainerRiskContext): MountDanger | undefined {
  const readOnly = !mount.RW;
  if (context.localFilesystem) {
    let resolved = mount.Source;
    try {
      resolved = realpathSync(mount.Source);
    } catch {
      // Not on this disk: only the path itself can be judged.
    }
    const local = localMountDanger(
      { hostPath: mount.Source, resolvedHostPath: resolved, readOnly },
      { homeDir: context.homeDir, ...(context.credentialPaths ? { credentialPaths: context.credentialPaths } : {}) },
    );
    if (local) return local;
  }
  return engineHostMountDanger(mount.Source, readOnly);
}

/** `--security-opt` values with `=` spelled `:` (the engine keeps either as given). */
function securityOptionsOf(hostConfig: InspectedHostConfig): string[] {
  return ((hostConfig.SecurityOpt as string[] | null | undefined) ?? []).map((option) => option.replace("=", ":"));
}

function hasNoNewPrivileges(securityOptions: readonly string[]): boolean {
  return securityOptions.some((option) => option === "no-new-privileges" || option === "no-new-privileges:true");
}

function capabilityList(value: unknown): string[] {
  return Array.isArray(value) ? value.map((cap) => String(cap).toUpperCase().replace(/^CAP_/, "")) : [];
}
