import { lstatSync, realpathSync } from "node:fs";
import { isAbsolute, join, posix, resolve, sep } from "node:path";

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
}

/**
 * Host paths never mounted unless `allow_dangerous_mounts: true`: the path
 * itself, anything inside it, and (for the last group) any directory holding it.
 */
const DANGEROUS_TREES = ["/etc", "/proc", "/sys", "/dev", "/boot", "/var/lib/docker", "/var/lib/containerd"];
const DANGEROUS_EXACT = ["/", "/bin", "/sbin", "/lib", "/lib64", "/usr", "/var"];
const DOCKER_SOCKETS = ["/var/run/docker.sock", "/run/docker.sock", "/run/podman/podman.sock", "/var/run", "/run"];

/** Directories holding credentials: mounting them writable is a `doctor` warning (the product page's ~/.ssh warning). */
export const KEY_DIRECTORIES = [".ssh", ".aws", ".gnupg", ".kube", ".docker", ".config/gcloud", ".azure", ".netrc"];

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
  if (!context.allowDangerous) {
    for (const path of new Set([hostPath, resolvedHostPath])) {
      const reason = dangerReason(path);
      if (reason) {
        const via = path === hostPath ? "" : ` (${hostPath} resolves to ${resolvedHostPath})`;
        throw new Error(
          `${where}: refusing to mount ${path}${via}: ${reason}. ` +
            "Remove the entry, mount a narrower directory, or set terminal.docker.allow_dangerous_mounts: true if you really mean it",
        );
      }
    }
  }
  return { spec, hostPath, resolvedHostPath, containerPath, readOnly: mode === "ro" };
}

/** Why a host path is dangerous to mount, or undefined when it is not. */
export function dangerReason(path: string): string | undefined {
  const normal = trimSlash(path);
  if (DOCKER_SOCKETS.includes(normal) || /(^|\/)(docker|podman)\.sock$/.test(normal) || isSocket(normal)) {
    return "it is (or holds) a container engine socket, which gives the container full control of the host";
  }
  for (const tree of DANGEROUS_TREES) {
    if (normal === tree || normal.startsWith(tree + "/")) return `${tree} holds host system files`;
  }
  if (DANGEROUS_EXACT.includes(normal)) return `${normal} holds the host system`;
  return undefined;
}

/** The key directory a writable mount exposes (mounted itself, inside it, or holding it), if any. */
export function exposedKeyDirectory(mount: VolumeMount, homeDir: string): string | undefined {
  if (mount.readOnly) return undefined;
  for (const key of KEY_DIRECTORIES) {
    const keyPath = join(homeDir, key);
    for (const path of [mount.hostPath, mount.resolvedHostPath]) {
      if (path === keyPath || path.startsWith(keyPath + sep) || keyPath.startsWith(trimSlash(path) + sep)) return keyPath;
    }
  }
  return undefined;
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.replace(/\/+$/, "") : path;
}

function isSocket(path: string): boolean {
  try {
    return isAbsolute(path) && lstatSync(path).isSocket();
  } catch {
    return false;
  }
}
