import type Docker from "dockerode";

/** What `doctor` says about a Podman engine behind the Docker-compatible API. */
export interface PodmanIdentity {
  /** Podman's own version, e.g. `4.3.1`. */
  version: string;
  rootless: boolean;
  /** `v1` or `v2`, when libpod says. */
  cgroupVersion?: string;
  /** The OCI runtime new containers get, e.g. `runc`, `crun`. */
  ociRuntime?: string;
}

interface VersionAnswer {
  Version?: string;
  Platform?: { Name?: string };
  Components?: { Name?: string; Version?: string }[];
}

/** Whether an engine's `/version` answer is Podman's: a component (or, in some releases, the platform) named "Podman Engine". */
export function isPodmanVersion(version: VersionAnswer): boolean {
  return (version.Components ?? []).some((component) => component.Name === "Podman Engine") || /podman engine/i.test(version.Platform?.Name ?? "");
}

interface LibpodInfo {
  host?: { security?: { rootless?: boolean }; cgroupVersion?: string; ociRuntime?: { name?: string } };
}

/**
 * The Podman engine `docker` talks to, or undefined for any other engine.
 * Rootless or rootful comes from libpod's own `/info` (the Docker-compatible
 * `/info` of Podman 4.3 does not say); when that is not answered, from the
 * compatible `/info`'s security options (`name=rootless`, as Docker's).
 */
export async function identifyPodman(docker: Docker): Promise<PodmanIdentity | undefined> {
  const version = (await docker.version()) as VersionAnswer;
  if (!isPodmanVersion(version)) return undefined;
  const podmanVersion = version.Components?.find((component) => component.Name === "Podman Engine")?.Version ?? version.Version ?? "?";
  const libpod = await libpodInfo(docker).catch(() => undefined);
  if (libpod?.host?.security?.rootless !== undefined) {
    return {
      version: podmanVersion,
      rootless: libpod.host.security.rootless,
      ...(libpod.host.cgroupVersion ? { cgroupVersion: libpod.host.cgroupVersion } : {}),
      ...(libpod.host.ociRuntime?.name ? { ociRuntime: libpod.host.ociRuntime.name } : {}),
    };
  }
  const info = (await docker.info()) as { SecurityOptions?: string[]; CgroupVersion?: string; DefaultRuntime?: string };
  return {
    version: podmanVersion,
    rootless: (info.SecurityOptions ?? []).some((option) => option.split(",").includes("name=rootless")),
    ...(info.CgroupVersion ? { cgroupVersion: `v${info.CgroupVersion}` } : {}),
    ...(info.DefaultRuntime ? { ociRuntime: info.DefaultRuntime } : {}),
  };
}

/** Libpod's `/info` (not part of the Docker API, so dockerode has no method for it). */
function libpodInfo(docker: Docker): Promise<LibpodInfo> {
  return new Promise((resolve, reject) => {
    docker.modem.dial({ path: "/v4.0.0/libpod/info", method: "GET", statusCodes: { 200: true }, options: {} }, (error: unknown, data: unknown) =>
      error ? reject(error) : resolve(data as LibpodInfo),
    );
  });
}

/**
 * Rootless Podman on cgroup v1 creates containers without memory, CPU and
 * pids limits (its inspect shows 0 for each), while its `/info` still says
 * they are supported.
 */
export function podmanIgnoresLimits(podman: PodmanIdentity | undefined): boolean {
  return podman?.rootless === true && podman.cgroupVersion === "v1";
}

/** "Podman Engine 4.3.1 (rootless)": how `doctor` names it. */
export function describePodman(podman: PodmanIdentity): string {
  return `Podman Engine ${podman.version} (${podman.rootless ? "rootless" : "rootful"}${podman.ociRuntime ? `, runtime ${podman.ociRuntime}` : ""})`;
}
