import { createHash } from "node:crypto";
import type { ContainerCreateOptions } from "dockerode";
import { memoryToBytes, type DockerConfig } from "../docker-config.js";
import { processLimitOptions } from "./process-limit.js";
import {
  LABEL_CONFIG_HASH,
  LABEL_CREATED_AT,
  LABEL_KEEP_WARM,
  LABEL_MANAGED_BY,
  LABEL_SCOPE,
  LABEL_SCOPE_ID,
  LABEL_SCOPE_KIND,
  MANAGED_BY_VALUE,
} from "./container-labels.js";

/**
 * What one managed container serves: a working directory (the default), one
 * agent session, everything with this config (`shared`), or one Slack
 * channel of mom's. Stored in labels; never part of the config hash.
 */
export type ScopeKind = "directory" | "session" | "shared" | "channel";

export interface ContainerScope {
  kind: ScopeKind;
  /** The session id (`session`) or the channel id (`channel`). */
  id?: string;
}

/**
 * Capabilities added back after dropping ALL: what a package manager needs to
 * install software as root inside the container (dpkg/apk chown and chmod
 * files they do not own; apt drops to the `_apt` user), plus KILL so a timed
 * out command's processes can be ended whichever user they switched to.
 * Everything else (NET_RAW, MKNOD, SYS_CHROOT, AUDIT_WRITE, NET_BIND_SERVICE,
 * SETPCAP, SETFCAP, FSETID) stays dropped.
 */
export const ADDED_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID", "KILL"] as const;

/** Options of the tmpfs mounted on /tmp: executable (build tools run from /tmp), 1 GiB, sticky. */
export const TMPFS_TMP_OPTIONS = "rw,exec,nosuid,nodev,size=1g,mode=1777";

/**
 * The container's main process: a shell that sleeps forever and exits on
 * SIGTERM, so `docker stop` is instant. Tini (`Init: true`) runs as PID 1 above
 * it and reaps zombies left by commands.
 */
export const KEEP_ALIVE_COMMAND = ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 86400 & wait $!; done"];

export interface ContainerSpecInput {
  config: DockerConfig;
  name: string;
  /** Host directory the container serves (label only). */
  scope: string;
  /** What it serves (labels only); default `{ kind: "directory" }`. */
  scopeOf?: ContainerScope;
  /** Docker bind strings, `host:container[:ro]`, host paths already translated for the engine. */
  binds: string[];
  /**
   * The resolved user (`host` already turned into uid:gid), if any. It is not
   * the container's `User`: every exec passes it instead, because an engine
   * gives a root exec no capabilities in a container created for another
   * user, and the backend needs one root exec to hand the workdir over.
   */
  user?: string;
  /** True when a volume is mounted at `workdir`; otherwise a read-only root gets an anonymous volume there. */
  workdirMounted?: boolean;
  /** DNS servers for the container (`network: allowlist` points the embedded DNS's forwards nowhere reachable). */
  dns?: string[];
  /** Id of the image (`sha256:...`): a rebuilt image under the same tag changes the hash. */
  imageId?: string;
}

export interface ContainerSpec {
  name: string;
  /** Hash of everything that shapes the container; stored in a label. */
  configHash: string;
  /** Create options without the creation-time label (added at creation). */
  options: ContainerCreateOptions;
}

/**
 * Builds the create options from the config, hardened by default. Never puts
 * `forward_env` values in them: those travel with each exec.
 */
export function buildContainerSpec(input: ContainerSpecInput): ContainerSpec {
  const { config } = input;
  const options: ContainerCreateOptions = {
    Image: config.image,
    Entrypoint: [],
    Cmd: KEEP_ALIVE_COMMAND,
    WorkingDir: config.workdir,
    // UTF-8 output by default (file names, tool output); an `env` LANG or LC_ALL wins.
    Env: [
      ...(config.env.LANG === undefined && config.env.LC_ALL === undefined ? ["LANG=C.UTF-8"] : []),
      ...Object.entries(config.env).map(([key, value]) => `${key}=${value}`),
    ],
    // With a read-only root the working directory still has to be writable: an anonymous volume, removed with the container.
    ...(config.read_only_root && !input.workdirMounted ? { Volumes: { [config.workdir]: {} } } : {}),
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: {
      Init: true,
      CapDrop: ["ALL"],
      CapAdd: [...ADDED_CAPABILITIES],
      SecurityOpt: ["no-new-privileges:true"],
      ...processLimitOptions(config.pids_limit, config.runtime),
      NetworkMode: config.network,
      ReadonlyRootfs: config.read_only_root,
      Binds: input.binds,
      ...(config.tmpfs_tmp ? { Tmpfs: { "/tmp": TMPFS_TMP_OPTIONS } } : {}),
      ...(config.memory !== undefined ? { Memory: memoryToBytes(config.memory) } : {}),
      ...(config.cpus !== undefined ? { NanoCpus: Math.round(config.cpus * 1e9) } : {}),
      RestartPolicy: { Name: "no" },
      ...(input.dns !== undefined ? { Dns: input.dns } : {}),
      ...(config.runtime !== undefined ? { Runtime: config.runtime } : {}),
    },
  };
  const configHash = createHash("sha256")
    .update(stableJson({ options, imageId: input.imageId, user: input.user }))
    .digest("hex")
    .slice(0, 16);
  options.Labels = {
    [LABEL_MANAGED_BY]: MANAGED_BY_VALUE,
    [LABEL_CONFIG_HASH]: configHash,
    [LABEL_SCOPE]: input.scope,
    [LABEL_SCOPE_KIND]: input.scopeOf?.kind ?? "directory",
    ...(input.scopeOf?.id !== undefined ? { [LABEL_SCOPE_ID]: input.scopeOf.id } : {}),
    [LABEL_KEEP_WARM]: String(config.keep_warm),
  };
  return { name: input.name, configHash, options };
}

/** Adds the creation-time label; called right before the create request. */
export function withCreatedAt(spec: ContainerSpec, now: Date = new Date()): ContainerCreateOptions {
  return { ...spec.options, name: spec.name, Labels: { ...spec.options.Labels, [LABEL_CREATED_AT]: now.toISOString() } };
}

/** Deterministic container name for a host directory: `monoclaw-<12 hex>`. */
export function containerNameForScope(scope: string): string {
  return `monoclaw-${createHash("sha256").update(scope).digest("hex").slice(0, 12)}`;
}

/** Session ids that can stand in a container name as they are (the CLI's look like `20261123-184012-a3f9c1`). */
const NAME_SAFE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}$/;

/**
 * The managed container's name for `terminal.docker.scope`:
 * `directory` -> `monoclaw-<hash of the directory>` (as before scopes),
 * `session` -> `monoclaw-session-<session id>` (a hash when the id is not name-safe),
 * `shared` -> `monoclaw-shared-<hash of the terminal.docker settings>`, so
 * every process with the same settings meets in one container and a change of
 * settings never fights over a name.
 */
export function scopedContainerName(input: { kind: Exclude<ScopeKind, "channel">; directory: string; sessionId?: string; config: DockerConfig }): string {
  if (input.kind === "session") {
    const id = input.sessionId ?? "";
    return `monoclaw-session-${NAME_SAFE.test(id) ? id : createHash("sha256").update(id).digest("hex").slice(0, 12)}`;
  }
  if (input.kind === "shared") return `monoclaw-shared-${createHash("sha256").update(stableJson(input.config)).digest("hex").slice(0, 12)}`;
  return containerNameForScope(input.directory);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
