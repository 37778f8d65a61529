import { durationRangeText, ENVIRONMENT_VARIABLE_NAME, ENVIRONMENT_VARIABLE_NAME_HINT, isTimerDurationSeconds } from "@monoclaw/core/backend";
import { z } from "zod";
import { egressConfigSchema } from "./egress/egress-config.js";
import { secretConfigSchema } from "./egress/secrets/secret-config.js";

/** Default limit on processes in the container: enough for builds, low enough to stop a fork bomb. */
export const DEFAULT_PIDS_LIMIT = 1024;
/** Default seconds a non-keep-warm container may sit idle before it is stopped. */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 300;

const IDLE_TIMEOUT_RULE = { zeroAllowed: true, zeroMeans: "stop only at exit", wholeSeconds: true } as const;
const IDLE_TIMEOUT_RANGE = durationRangeText(IDLE_TIMEOUT_RULE);

/** The engine refuses a memory limit below 6 MiB (`Minimum memory limit allowed is 6MB`). */
export const MINIMUM_MEMORY_BYTES = 6 * 1024 * 1024;
/** The engine's smallest CPU limit. */
export const MINIMUM_CPUS = 0.01;
const MEMORY_SIZE = /^\d+(\.\d+)?\s*[bkmgBKMG]?[bB]?$/;
const MEMORY_ALLOWED = "a size of at least 6m (the engine's minimum), such as 512m or 2g";
const CPUS_ALLOWED = `a number of CPU cores from ${MINIMUM_CPUS} up to the engine's CPU count, such as 1.5`;
/** `name`, `uid`, `name:group` or `uid:gid` as the engine resolves them in the image's /etc/passwd and /etc/group, or `host`. */
const CONTAINER_USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?(:[A-Za-z0-9_][A-Za-z0-9_.-]*\$?)?$/;
const USER_ALLOWED = "a user name, uid or uid:gid of the image (such as node, 1000 or 1000:1000), or host for your own uid:gid";
const HOST_ALLOWED = "an engine URL: unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host";

/** A file path where an engine URL belongs (a scheme-less `host:port` is still taken as tcp, as DOCKER_HOST does). */
function isBarePath(host: string): boolean {
  return /^[/~.]/.test(host);
}

const envName = z.string().regex(ENVIRONMENT_VARIABLE_NAME, `must be ${ENVIRONMENT_VARIABLE_NAME_HINT}`);

/**
 * The `terminal.docker` section, as users write it in YAML (snake_case).
 * Parsing `{}` gives every default. Unknown keys are rejected so a typo such as
 * `keepwarm` is an error instead of a silently ignored setting.
 */
export const dockerConfigSchema = z
  .object({
    /** Image to run. */
    image: z.string().min(1).default("ubuntu:24.04"),
    /** `missing` pulls only when the image is not present, `always` before each container creation, `never` fails instead. */
    pull: z.enum(["missing", "always", "never"]).default("missing"),
    /**
     * OCI runtime the container runs under, as the engine names it (`runsc` for gVisor, `kata`, `crun`...);
     * unset: the engine's default (runc). Part of the config hash: changing it replaces the container.
     */
    runtime: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a runtime name the engine lists, e.g. runsc")
      .optional(),
    /** `none`, `allowlist` (only `egress.allow`, through MonoClaw's egress proxy), `bridge`, `host`, or the name of an existing Docker network. */
    network: z.string().min(1).default("bridge"),
    /** Bind mounts, `host:container[:ro|:rw]`; `${HOME}`, `$HOME` and `~` are expanded. */
    volumes: z.array(z.string().min(1)).default([]),
    /** Working directory inside the container; relative paths resolve against it. */
    workdir: z.string().startsWith("/", "must be an absolute path inside the container").default("/workspace"),
    /** Literal environment variables, part of the container's configuration. */
    env: z.record(envName, z.string()).default({}),
    /** Names of host variables whose values are passed to each command, never stored in the container's configuration. */
    forward_env: z.array(envName).default([]),
    /**
     * Which container a run gets: `directory` (one per working directory), `session` (one per agent session,
     * removed when the session ends unless keep_warm), or `shared` (one for everything with this config).
     */
    scope: z.enum(["directory", "session", "shared"]).default("directory"),
    /**
     * With `scope: session`: keep this many containers of these settings created and started, ready for the next
     * session to claim instead of creating one (MonoClaw refills the pool when a session ends).
     */
    warm_pool: z.number().int().nonnegative().max(16).default(0),
    /** What an idle container gets after `idle_timeout`: `stop`, or `pause` (frozen with its shells open; thaws in a fraction of a restart). */
    idle_action: z.enum(["stop", "pause"]).default("stop"),
    /** Leave the container running when MonoClaw exits or goes idle, for instant reuse. */
    keep_warm: z.boolean().default(false),
    /** Without keep_warm: seconds without a command before the container is stopped (0: only at exit). */
    // A timer waits at most about 24.8 days: above that Node fires it at once and the container would stop after each command.
    idle_timeout: z
      .number({ error: IDLE_TIMEOUT_RANGE })
      .refine((seconds) => isTimerDurationSeconds(seconds, IDLE_TIMEOUT_RULE), { error: IDLE_TIMEOUT_RANGE })
      .default(DEFAULT_IDLE_TIMEOUT_SECONDS),
    /** Memory limit: bytes, or a number with a unit such as `512m` or `2g`; at least the engine's minimum of 6 MiB. */
    memory: z
      .union([z.number({ error: MEMORY_ALLOWED }).int({ error: MEMORY_ALLOWED }), z.string().regex(MEMORY_SIZE, { error: MEMORY_ALLOWED })], {
        error: MEMORY_ALLOWED,
      })
      // Below 6 MiB the engine refuses to start the container; 0 would mean no limit at all.
      .refine((memory) => memoryToBytes(memory) >= MINIMUM_MEMORY_BYTES, { error: MEMORY_ALLOWED })
      .optional(),
    /** CPU limit in cores, e.g. 1.5 (at most the engine's CPU count, checked when the container is created). */
    cpus: z.number({ error: CPUS_ALLOWED }).min(MINIMUM_CPUS, { error: CPUS_ALLOWED }).optional(),
    /** Maximum number of processes in the container. */
    pids_limit: z.number().int().positive().default(DEFAULT_PIDS_LIMIT),
    /** `uid`, `uid:gid`, a user name, or `host` for the uid:gid MonoClaw runs as (files in bind mounts then belong to you). */
    user: z.string().regex(CONTAINER_USER, { error: USER_ALLOWED }).optional(),
    /** Mount the image's root filesystem read-only (writable: volumes, workdir volume and /tmp). */
    read_only_root: z.boolean().default(false),
    /** Mount a tmpfs on /tmp (default true). */
    tmpfs_tmp: z.boolean().default(true),
    /** Explicit Engine endpoint: `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://user@host`. */
    host: z
      .string({ error: HOST_ALLOWED })
      .min(1, { error: HOST_ALLOWED })
      .refine((host) => !isBarePath(host), { error: (issue) => `${HOST_ALLOWED} (a socket path needs unix://, e.g. unix://${String(issue.input)})` })
      .optional(),
    /** Allow mounting engine sockets, system trees (`/etc`, `/usr`, `/var/lib`...), the home directory, writable key directories and other dangerous host paths. */
    allow_dangerous_mounts: z.boolean().default(false),
    /** With `container`: use it even when it is `--privileged` or has an engine socket mounted (other risks are only warned about). */
    allow_dangerous_container: z.boolean().default(false),
    /** Use this existing container instead of managing one (never created, replaced, stopped or removed). */
    container: z.string().min(1).optional(),
    /** Remove our own containers older than this many seconds when they are stopped (0: never by age). */
    max_age: z
      .number()
      .int()
      .nonnegative()
      .default(7 * 24 * 3600),
    /** With `network: allowlist`: what the sandbox may reach through MonoClaw's egress proxy (see egress/). */
    egress: egressConfigSchema.prefault({}),
    /** Credentials commands can use but never read (with `network: allowlist`): the sandbox holds placeholders (see egress/secrets/). */
    secrets: z.record(envName, secretConfigSchema).default({}),
  })
  .strict();

/** `terminal.docker` after parsing: every default filled in. */
export type DockerConfig = z.output<typeof dockerConfigSchema>;
/** `terminal.docker` as written by a user. */
export type DockerConfigInput = z.input<typeof dockerConfigSchema>;

/** Parses a config section, throwing an Error whose message names each bad key and what it must be. */
export function parseDockerConfig(input: unknown): DockerConfig {
  const result = dockerConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const where = ["terminal", "docker", ...issue.path.map(String)].join(".");
    return `${where}: ${issue.message}`;
  });
  throw new Error(`Invalid Docker backend configuration:\n  ${lines.join("\n  ")}`);
}

/** Converts `memory` to bytes (`512m` -> 536870912). */
export function memoryToBytes(memory: number | string): number {
  if (typeof memory === "number") return memory;
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgBKMG]?)[bB]?$/.exec(memory.trim());
  if (!match) throw new Error(`terminal.docker.memory: "${memory}" is not a size such as 512m or 2g`);
  const unit = (match[2] ?? "").toLowerCase();
  const factor = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
  return Math.round(Number(match[1]) * factor);
}
