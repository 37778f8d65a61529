import { lstatSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { join, posix, resolve } from "node:path";
import { dockerConfigSchema } from "../docker-config.js";
import { describeMountDanger, engineHostMountDanger, localMountDanger, type MountDanger } from "./mount-policy.js";

/** One `volumes` entry after expansion and validation. */
export interface VolumeMount {
  /** The entry as the user wrote it. */
  spec: string;
  /** Absolute host path, `~` and variables expanded, as MonoClaw sees it. */
  hostPath: string;
  /** The host path with symlinks resolved (what the checks ran on). */
  resolvedHostPath: string;
  containerPath: string;
  readOnly: boolean;
  /** What the mount policy found, when `allow_dangerous_mounts` let it through anyway (`doctor` and the start warn about it). */
  danger?: MountDanger;
}

/** A `volumes` entry the mount policy refuses; `config set` refuses the same value with the same message. */
export class DangerousMountError extends Error {
  constructor(
    message: string,
    readonly danger: MountDanger,
  ) {
    super(message);
    this.name = "DangerousMountError";
  }
}

/**
 * Expands `${VAR}`, `$VAR` and a leading `~` in one `volumes` entry. Throws an
 * Error naming the entry when a variable is not set.
 */
export function expandHostPath(path: string, env: Readonly<Record<string, string | undefined>>, homeDir: string): string {
  let expanded = path.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced: string, bare: string) => {
    const name = braced ?? bare;
    const value = name === "HOME" ? env.HOME || homeDir : env[name];
    if (value === undefined) throw new Error(`variable \${${name}} is not set`);
    return value;
  });
  if (expanded === "~" || expanded.startsWith("~/")) expanded = homeDir + expanded.slice(1);
  return expanded;
}

export interface ParseVolumeContext {
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  /** Relative host paths resolve against this directory (MonoClaw's working directory). */
  cwd: string;
  allowDangerous: boolean;
}

/** `$MONOCLAW_HOME` (MonoClaw's config, with API keys) when it lives outside `~/.monoclaw`. */
export function monoclawHomeOf(env: Readonly<Record<string, string | undefined>>, homeDir: string): string {
  return env.MONOCLAW_HOME ? resolve(homeDir, env.MONOCLAW_HOME) : join(homeDir, ".monoclaw");
}

/**
 * Parses and checks one `host:container[:ro|:rw]` entry. Throws an Error
 * (what, where, how to fix) when the entry is malformed, the host path does
 * not exist, or it is dangerous, checked on the path as written and again
 * after resolving symlinks, unless `allowDangerous`.
 */
export function parseVolume(spec: string, context: ParseVolumeContext): VolumeMount {
  const where = `terminal.docker.volumes entry "${spec}"`;
  const parts = spec.split(":");
  let mode: string | undefined;
  if (parts.length === 3) mode = parts.pop();
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new Error(`${where}: write it as host_path:container_path or host_path:container_path:ro`);
  }
  if (mode !== undefined && mode !== "ro" && mode !== "rw") {
    throw new Error(`${where}: the mode must be ro or rw, not "${mode}"`);
  }
  let hostPath: string;
  try {
    hostPath = resolve(context.cwd, expandHostPath(parts[0], context.env, context.homeDir));
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
  const containerPath = parts[1];
  if (!posix.isAbsolute(containerPath)) {
    throw new Error(`${where}: the container path "${containerPath}" must be absolute, e.g. /projects`);
  }
  let resolvedHostPath: string;
  try {
    lstatSync(hostPath);
    resolvedHostPath = realpathSync(hostPath);
  } catch {
    throw new Error(`${where}: the host path ${hostPath} does not exist; create it (mkdir -p ${hostPath}) or fix the entry`);
  }
  const readOnly = mode === "ro";
  const danger = localMountDanger(
    { hostPath, resolvedHostPath, readOnly },
    { homeDir: context.homeDir, credentialPaths: [monoclawHomeOf(context.env, context.homeDir)] },
  );
  if (danger && !context.allowDangerous) {
    throw dangerousMountError(where, hostPath, resolvedHostPath === hostPath ? "" : `${hostPath} resolves to ${resolvedHostPath}`, danger);
  }
  return { spec, hostPath, resolvedHostPath, containerPath, readOnly, ...(danger ? { danger } : {}) };
}

/**
 * The policy again on the path the engine will mount, when MonoClaw runs in a
 * container and that path differs from `resolvedHostPath` (see
 * `host-path-translation.ts`). Throws a DangerousMountError unless
 * `allowDangerous`; returns the danger it let through, if any.
 */
export function checkEngineHostPath(mount: VolumeMount, engineHostPath: string, allowDangerous: boolean): MountDanger | undefined {
  if (engineHostPath === mount.resolvedHostPath) return mount.danger;
  const danger = engineHostMountDanger(engineHostPath, mount.readOnly);
  if (danger && !allowDangerous) {
    const via = `${mount.resolvedHostPath} is ${engineHostPath} on the engine's host`;
    throw dangerousMountError(`terminal.docker.volumes entry "${mount.spec}"`, mount.hostPath, via, danger);
  }
  return danger ?? mount.danger;
}

function dangerousMountError(where: string, path: string, via: string, danger: MountDanger): DangerousMountError {
  return new DangerousMountError(`${where}: refusing to mount ${path}${via ? ` (${via})` : ""}: ${describeMountDanger(danger)}`, danger);
}

/** Where a `terminal.docker` section's relative paths and `~` resolve, for {@link dockerConfigRefusals}. */
export interface ConfigRefusalContext {
  env: Readonly<Record<string, string | undefined>>;
  /** `terminal.cwd`: relative volume paths resolve against it. */
  cwd: string;
}

/**
 * The messages every command would refuse a `terminal.docker` section with
 * (the mount policy's refusals, word for word), so `config set` can refuse
 * the same value with the same message. An entry that fails for a reason of
 * this moment only (a variable not set in this shell, a directory not made
 * yet) is left to the command; so is a section the schema rejects.
 */
export function dockerConfigRefusals(section: unknown, context: ConfigRefusalContext): string[] {
  const parsed = dockerConfigSchema.safeParse(section ?? {});
  if (!parsed.success || parsed.data.allow_dangerous_mounts) return [];
  const homeDir = context.env.HOME || homedir();
  const refusals: string[] = [];
  for (const spec of parsed.data.volumes) {
    try {
      parseVolume(spec, { env: context.env, homeDir, cwd: context.cwd, allowDangerous: false });
    } catch (error) {
      if (error instanceof DangerousMountError) refusals.push(error.message);
    }
  }
  return refusals;
}
