import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { posix } from "node:path";
import type Dockerode from "dockerode";
import { BackendError, type HealthCheck } from "@monoclaw/core/backend";

/**
 * Running MonoClaw itself in a container, with the host's Docker socket
 * mounted (`docker run -v /var/run/docker.sock:/var/run/docker.sock -v
 * $(pwd):/projects monoclaw-runtime monoclaw`), breaks bind mounts naively
 * built from MonoClaw's own paths: the engine resolves a bind source such as
 * `/projects` on the HOST, where it usually does not exist, and mounts an
 * empty directory (OpenClaw #31331). This module maps a path inside
 * MonoClaw's container to the host path the engine needs, from the
 * container's own mounts as the Engine API reports them.
 */

/** One mount of the container MonoClaw runs in: `destination` (inside it) comes from `source` (on the engine's host). */
export interface RuntimeMount {
  /** Host path the engine mounted (`bind`), or the volume's directory on the host (`volume`). */
  source: string;
  /** Where it appears inside MonoClaw's container. */
  destination: string;
  type: string;
  readOnly: boolean;
}

/** The container MonoClaw runs in, as the engine it talks to knows it. */
export interface RuntimeContainer {
  id: string;
  /** Container name without the leading slash. */
  name: string;
  /** Which strategy found the id (`mountinfo`, `cgroup`, `hostname`); `doctor` prints it. */
  foundBy: string;
  mounts: RuntimeMount[];
}

/** What the discovery strategies read; replaceable in tests. */
export interface ContainerProbes {
  /** Contents of a file, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  hostname(): string;
  exists(path: string): boolean;
}

/** Maps a path inside MonoClaw's container to a host path for a bind-mount source. See {@link createHostPathTranslator}. */
export type HostPathTranslator = (path: string) => string;

const CONTAINER_ID = /^[0-9a-f]{64}$/;

/**
 * Strategies that find the id of the container this process runs in, tried
 * in this order; each returns undefined when it does not apply, the first
 * answer wins:
 * 1. `/proc/self/mountinfo`: the engine bind-mounts `/etc/hostname`,
 *    `/etc/hosts` and `/etc/resolv.conf` from `.../containers/<id>/` (Docker)
 *    or `.../overlay-containers/<id>/userdata/` (Podman); works on cgroup v1
 *    and v2.
 * 2. `/proc/self/cgroup`: `/docker/<id>`, `docker-<id>.scope` or
 *    `libpod-<id>.scope` (cgroup v1, and v2 without a cgroup namespace).
 * 3. The hostname, which Docker sets to the first 12 characters of the id
 *    unless `--hostname` was given; only inside a container (`/.dockerenv`)
 *    and only when it looks like an id (the engine then confirms the prefix).
 */
export const containerIdStrategies: ReadonlyArray<{ name: string; find(probes: ContainerProbes): string | undefined }> = [
  { name: "mountinfo", find: (probes) => containerIdFromMountinfo(probes.readFile("/proc/self/mountinfo") ?? "") },
  { name: "cgroup", find: (probes) => containerIdFromCgroup(probes.readFile("/proc/self/cgroup") ?? "") },
  {
    name: "hostname",
    find: (probes) => {
      if (!probes.exists("/.dockerenv") && !probes.exists("/run/.containerenv")) return undefined;
      const name = probes.hostname();
      return /^[0-9a-f]{12}$/.test(name) ? name : undefined;
    },
  },
];

/** The container id in `/proc/self/mountinfo` text, from the engine-managed `/etc/hostname`, `/etc/hosts` or `/etc/resolv.conf`. */
export function containerIdFromMountinfo(mountinfo: string): string | undefined {
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    // Field 4 is the root of the mount within its filesystem, field 5 the mount point.
    const root = fields[3];
    const mountPoint = fields[4];
    if (root === undefined || !["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"].includes(mountPoint ?? "")) continue;
    const match = /\/(?:containers|overlay-containers)\/([0-9a-f]{64})\/(?:userdata\/)?(?:hostname|hosts|resolv\.conf)$/.exec(root);
    if (match) return match[1];
  }
  return undefined;
}

/** The container id in `/proc/self/cgroup` text (`/docker/<id>`, `docker-<id>.scope`, `libpod-<id>.scope`). */
export function containerIdFromCgroup(cgroup: string): string | undefined {
  for (const line of cgroup.split("\n")) {
    const path = line.split(":").slice(2).join(":");
    const match = /(?:\/docker\/|docker-|libpod-)([0-9a-f]{64})(?:\.scope)?(?:\/|$)/.exec(path);
    if (match) return match[1];
  }
  return undefined;
}

/** The probes of the real process: files under /proc and the real hostname. */
export const processProbes: ContainerProbes = {
  readFile(path) {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  },
  hostname: () => hostname(),
  exists: (path) => existsSync(path),
};

/**
 * Finds the container this process runs in and reads its mounts through the
 * engine `docker` talks to. Resolves undefined when the process does not run
 * in a container, or runs in one that engine does not know (a remote engine,
 * Docker-in-Docker): then bind sources are already the engine's paths. Rejects
 * only when the engine cannot be reached or answers with an unexpected error.
 */
export async function findRuntimeContainer(docker: Dockerode, probes: ContainerProbes = processProbes): Promise<RuntimeContainer | undefined> {
  for (const strategy of containerIdStrategies) {
    const candidate = strategy.find(probes);
    if (candidate === undefined) continue;
    let info: Dockerode.ContainerInspectInfo;
    try {
      info = await docker.getContainer(candidate).inspect();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) continue;
      throw error;
    }
    // A short id from the hostname must name this very container, not one whose name happens to match.
    if (!info.Id.startsWith(candidate) || !CONTAINER_ID.test(info.Id)) continue;
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ""),
      foundBy: strategy.name,
      mounts: (info.Mounts ?? [])
        .filter((mount) => mount.Source && mount.Destination)
        .map((mount) => ({
          source: mount.Source,
          destination: posix.normalize(mount.Destination),
          type: mount.Type,
          readOnly: mount.RW === false,
        })),
    };
  }
  return undefined;
}

/**
 * The host path behind `path` (absolute, inside the runtime container): the
 * source of the deepest mount holding it, plus the rest of the path. Throws a
 * BackendError `INVALID` (what, why, how to fix) when no mount holds it: the path then lives in
 * the runtime container's own filesystem, which no other container can mount.
 */
export function translateToHostPath(container: RuntimeContainer, path: string): string {
  if (!posix.isAbsolute(path)) {
    throw new BackendError("INVALID", `Bind-mount source "${path}" must be an absolute path`, { path });
  }
  const normal = posix.normalize(path);
  const mount = mountHolding(container, normal);
  if (mount === undefined) {
    throw new BackendError(
      "INVALID",
      `Bind-mount source ${normal} is inside the MonoClaw container ${container.name} itself, not on one of its mounts, ` +
        "so a sandbox container cannot mount it (the engine would mount an empty directory from the host). " +
        `Mount it into the MonoClaw container (docker run -v /host/dir:${normal} ...) or use a path under ` +
        (container.mounts.length ? container.mounts.map((m) => m.destination).join(", ") : "a mounted directory"),
      { path: normal },
    );
  }
  const rest = normal === mount.destination ? "" : normal.slice(mount.destination === "/" ? 1 : mount.destination.length + 1);
  return rest ? posix.join(mount.source, rest) : mount.source;
}

/** The deepest mount of `container` at or above `path` (already normalized), if any. */
export function mountHolding(container: RuntimeContainer, path: string): RuntimeMount | undefined {
  let best: RuntimeMount | undefined;
  for (const mount of container.mounts) {
    const dest = mount.destination;
    const holds = path === dest || dest === "/" || path.startsWith(dest + "/");
    if (holds && (best === undefined || dest.length > best.destination.length)) best = mount;
  }
  return best;
}

/**
 * Returns the function the Docker backend applies to every bind-mount source
 * (after `~`/variable expansion and symlink resolution) before handing it to
 * the engine:
 * - MonoClaw not in a container, or in one the engine does not know: the
 *   identity (sources are already host paths).
 * - MonoClaw in a container of that engine: paths inside it become the host
 *   paths of its mounts (`/projects/app` -> `/home/me/code/app`); a path on no
 *   mount makes the translator throw (see {@link translateToHostPath}).
 * Looks the container up once, now; rejects only when the engine cannot be
 * reached.
 */
export async function createHostPathTranslator(docker: Dockerode, probes: ContainerProbes = processProbes): Promise<HostPathTranslator> {
  const container = await findRuntimeContainer(docker, probes);
  if (container === undefined) return (path) => path;
  return (path) => translateToHostPath(container, path);
}

/**
 * The `doctor` line for this mode (id `docker.host_paths`). Never throws.
 * `sources` are the configured bind-mount sources (expanded, symlinks
 * resolved); each one no mount of the runtime container holds fails the check.
 */
export async function hostPathHealthCheck(docker: Dockerode, sources: readonly string[] = [], probes: ContainerProbes = processProbes): Promise<HealthCheck> {
  const id = "docker.host_paths";
  let container: RuntimeContainer | undefined;
  try {
    container = await findRuntimeContainer(docker, probes);
  } catch (error) {
    return {
      id,
      level: "warn",
      message: `could not ask the engine whether MonoClaw runs in one of its containers: ${(error as Error).message}`,
      fix: "check the docker.engine line above",
    };
  }
  if (container === undefined) {
    const inSomeContainer = probes.exists("/.dockerenv") || probes.exists("/run/.containerenv");
    if (!inSomeContainer) {
      return { id, level: "ok", message: "MonoClaw runs on the engine's host: volume sources are used as written" };
    }
    return {
      id,
      level: "warn",
      message:
        "MonoClaw runs in a container the engine does not know (remote engine or Docker-in-Docker): " +
        "volume sources are passed unchanged and must be paths on the engine's machine",
      fix: "to use paths of this container instead, mount the engine's own socket: -v /var/run/docker.sock:/var/run/docker.sock",
    };
  }
  const mapped = container.mounts
    .filter((mount) => mount.type === "bind" || mount.type === "volume")
    .filter((mount) => !mount.destination.endsWith(".sock"))
    .map((mount) => `${mount.destination} -> ${mount.source}`);
  const unreachable = sources.filter((source) => {
    try {
      translateToHostPath(container, source);
      return false;
    } catch {
      return true;
    }
  });
  const where = `MonoClaw runs in container ${container.name} (${container.id.slice(0, 12)}, found by ${container.foundBy})`;
  if (unreachable.length > 0) {
    return {
      id,
      level: "fail",
      message: `${where}; volume source(s) ${unreachable.join(", ")} are on none of its mounts, so sandboxes would see them empty`,
      fix: `mount them into the MonoClaw container (docker run -v /host/dir:${unreachable[0]} ...) or change terminal.docker.volumes`,
    };
  }
  return {
    id,
    level: "ok",
    message: `${where}: volume sources are translated to host paths through its mounts${mapped.length ? ` (${mapped.join(", ")})` : ""}`,
  };
}
