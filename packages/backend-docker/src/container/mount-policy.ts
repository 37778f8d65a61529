import { lstatSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SOCKET_SCAN_LIMITS, findEngineSocket, type SocketScanLimits } from "./engine-socket-scan.js";
import { CREDENTIAL_PATHS, HOME_PARENTS, ROOT_HOME, SYSTEM_TREES, isEngineSocketPath, isLibTree } from "./protected-host-paths.js";

/** What makes a host path dangerous to hand a container. */
export type MountDangerKind = "engine-socket" | "socket" | "system" | "home" | "credentials";

export interface MountDanger {
  kind: MountDangerKind;
  /** The host path the rule matched (as written, with links resolved, or on the engine's host). */
  path: string;
  /** Why, as a clause: "/etc holds host system files". */
  reason: string;
  /** How to fix it without `allow_dangerous_mounts`. */
  fix: string;
}

/** A bind-mount source as the policy checks it. */
export interface MountSource {
  /** Absolute host path as written (expanded). */
  hostPath: string;
  /** The same with every link resolved. */
  resolvedHostPath: string;
  readOnly: boolean;
}

export interface MountPolicyContext {
  /** The user's home directory. */
  homeDir: string;
  /** More credential paths, e.g. `$MONOCLAW_HOME` when it is not `~/.monoclaw`. */
  credentialPaths?: readonly string[];
  /** How far to look for engine sockets inside a mounted directory. */
  socketScan?: SocketScanLimits;
}

const NARROWER = "mount a narrower directory (the project itself) instead";

/**
 * The first reason the policy refuses `source`, checked on the path as written
 * and on its real path, against the system trees, their ancestors, the home
 * directory and its ancestors, credential paths (writable, or a directory
 * holding one), a socket mounted directly, and an engine socket anywhere in a
 * bounded walk of a mounted directory. A read-only mount protects nothing
 * against a socket (connecting needs no write access) nor against reading
 * `/etc/shadow`: `:ro` only lifts the rule for a credential path itself.
 */
export function localMountDanger(source: MountSource, context: MountPolicyContext): MountDanger | undefined {
  const homes = uniquePaths([context.homeDir, realPathOrSelf(context.homeDir)]);
  const credentials = localCredentialPaths(homes, context.credentialPaths ?? []);
  let byPath: MountDanger | undefined;
  for (const path of uniquePaths([source.hostPath, source.resolvedHostPath])) {
    byPath ??= pathDanger(trimSlash(path), source.readOnly, { homes, otherHomes: [], credentials });
  }
  if (byPath?.kind === "engine-socket") return byPath;
  // An engine socket inside outranks every other reason: attach mode refuses it, and `/var/run` is that case.
  return socketDanger(source.resolvedHostPath, context.socketScan ?? DEFAULT_SOCKET_SCAN_LIMITS) ?? byPath;
}

function socketDanger(resolved: string, limits: SocketScanLimits): MountDanger | undefined {
  let stats;
  try {
    stats = statSync(resolved);
  } catch {
    return undefined;
  }
  if (stats.isSocket()) {
    return isEngineSocketPath(resolved)
      ? engineSocketDanger(resolved, `${resolved} is a container engine socket`)
      : {
          kind: "socket",
          path: resolved,
          reason: `${resolved} is a unix socket: the container could talk to the host service behind it`,
          fix: "remove the entry",
        };
  }
  if (stats.isDirectory()) {
    const socket = findEngineSocket(resolved, limits);
    if (socket) return engineSocketDanger(resolved, `it holds ${socket}, a container engine socket`);
  }
  return undefined;
}

/**
 * The policy on a path of the engine's host, when it differs from the path
 * MonoClaw sees (MonoClaw runs in a container: `host-path-translation.ts`), or
 * for a bind of a container MonoClaw did not make. Only what the path itself
 * says can be checked there: system trees, their ancestors, home directories
 * (`/root`, `/home/<user>`, `/Users/<user>`) and the credential paths in them.
 */
export function engineHostMountDanger(path: string, readOnly: boolean): MountDanger | undefined {
  const normal = trimSlash(path);
  const home = /^\/(?:home|Users)\/[^/]+/.exec(normal)?.[0] ?? (normal === ROOT_HOME || normal.startsWith(`${ROOT_HOME}/`) ? ROOT_HOME : undefined);
  if (["/", "/var", "/run", "/var/run"].includes(normal) || normal.startsWith("/run/") || normal.startsWith("/var/run/")) {
    // Where engines keep their sockets (`/run/docker.sock`, `/run/containerd/`, `/run/user/<uid>/`): the disk cannot be looked at from here.
    return engineSocketDanger(normal, `${normal} is where container engines keep their sockets`);
  }
  const otherHomes = home ? [home] : [];
  const credentials = otherHomes.flatMap((h) => CREDENTIAL_PATHS.map((relative) => ({ path: join(h, relative), holdingCounts: false })));
  return pathDanger(normal, readOnly, { homes: [], otherHomes, credentials });
}

/** A danger as one sentence for an error or a `doctor` line. */
export function describeMountDanger(danger: MountDanger): string {
  return `${danger.reason}. Remove the entry, ${danger.fix}, or set terminal.docker.allow_dangerous_mounts: true if you really mean it`;
}

interface CredentialPath {
  path: string;
  /** A directory holding it is refused too (it exists here, so the mount would hand it out). */
  holdingCounts: boolean;
}

interface ProtectedPaths {
  /** The user's own home (as written and resolved). */
  homes: readonly string[];
  /** Some user's home on the engine's host, guessed from the path (`/home/<user>`, `/root`). */
  otherHomes: readonly string[];
  credentials: readonly CredentialPath[];
}

function pathDanger(path: string, readOnly: boolean, { homes, otherHomes, credentials }: ProtectedPaths): MountDanger | undefined {
  if (isEngineSocketPath(path)) return engineSocketDanger(path, `${path} is a container engine socket`);
  const system = systemDanger(path, [...homes, ...otherHomes]);
  if (system) return system;
  for (const home of homes) {
    if (path === home) return homeDanger(path, `${path} is your home directory (keys, credentials, shell start-up files)`);
    if (isInside(home, path)) return homeDanger(path, `it holds your home directory ${home}`);
  }
  if (otherHomes.includes(path)) return homeDanger(path, `${path} is a user's home directory`);
  for (const parent of HOME_PARENTS) {
    if (path === parent) return homeDanger(path, `${path} holds every user's home directory`);
    if (isInside(path, parent) && !path.slice(parent.length + 1).includes("/")) return homeDanger(path, `${path} is a user's home directory`);
  }
  for (const credential of credentials) {
    if (path === credential.path || isInside(path, credential.path)) {
      if (readOnly) continue;
      return {
        kind: "credentials",
        path,
        reason: `${credential.path} holds keys or credentials, and a writable mount lets the container steal or replace them`,
        fix: "add :ro to the entry",
      };
    }
    if (credential.holdingCounts && isInside(credential.path, path)) {
      return { kind: "credentials", path, reason: `it holds ${credential.path} (keys or credentials)`, fix: NARROWER };
    }
  }
  return undefined;
}

function systemDanger(path: string, homes: readonly string[]): MountDanger | undefined {
  const trees = homes.includes(ROOT_HOME) ? SYSTEM_TREES : [...SYSTEM_TREES, ROOT_HOME];
  const lib = isLibTree(path);
  const tree = lib ?? trees.find((candidate) => path === candidate || isInside(path, candidate));
  if (tree) {
    const what = tree === "/run" || tree === "/var/run" ? "the sockets of the container engine and other host services" : "host system files";
    return { kind: "system", path, reason: `${tree} holds ${what}`, fix: NARROWER };
  }
  if (path === "/") return { kind: "system", path, reason: "/ holds the whole host system", fix: NARROWER };
  const held = trees.find((candidate) => isInside(candidate, path));
  if (held) return { kind: "system", path, reason: `it holds ${held} (host system files)`, fix: NARROWER };
  return undefined;
}

function engineSocketDanger(path: string, what: string): MountDanger {
  return { kind: "engine-socket", path, reason: `${what}, which gives the container full control of the host`, fix: NARROWER };
}

function homeDanger(path: string, reason: string): MountDanger {
  return { kind: "home", path, reason, fix: NARROWER };
}

function localCredentialPaths(homes: readonly string[], extra: readonly string[]): CredentialPath[] {
  const paths = uniquePaths([...homes.flatMap((home) => CREDENTIAL_PATHS.map((relative) => join(home, relative))), ...extra]);
  const found: CredentialPath[] = [];
  for (const path of paths) {
    const exists = existsNoFollow(path);
    found.push({ path, holdingCounts: exists });
    const real = exists ? realPathOrSelf(path) : path;
    if (real !== path) found.push({ path: real, holdingCounts: true });
  }
  return found;
}

/** True when `inner` is strictly below `outer`. */
function isInside(inner: string, outer: string): boolean {
  return outer === "/" ? inner !== "/" : inner.startsWith(`${outer}/`);
}

function existsNoFollow(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function realPathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function uniquePaths(paths: readonly string[]): string[] {
  return [...new Set(paths.map(trimSlash))];
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") || "/" : path;
}
