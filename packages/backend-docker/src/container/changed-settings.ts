import type Docker from "dockerode";
import type { ContainerSpec } from "./container-spec.js";

/**
 * Which `terminal.docker` settings a running container no longer matches,
 * read back from what the engine reports (the config hash label only says
 * that something changed). Empty when the difference is not visible there
 * (e.g. `user`, which travels with each exec).
 */
export function changedSettings(info: Docker.ContainerInspectInfo, spec: ContainerSpec, imageId: string): string[] {
  const want = spec.options;
  const wantHost = want.HostConfig ?? {};
  const have = info.HostConfig;
  const changed: string[] = [];
  const differs = (key: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b) && !changed.includes(key)) changed.push(key);
  };
  differs("terminal.docker.image", info.Image, imageId);
  differs("terminal.docker.memory", have.Memory || undefined, wantHost.Memory);
  differs("terminal.docker.cpus", have.NanoCpus || undefined, wantHost.NanoCpus);
  differs("terminal.docker.pids_limit", have.PidsLimit || undefined, wantHost.PidsLimit);
  differs("terminal.docker.network", have.NetworkMode, wantHost.NetworkMode);
  differs("terminal.docker.network", have.Dns ?? [], wantHost.Dns ?? []);
  differs("terminal.docker.read_only_root", Boolean(have.ReadonlyRootfs), Boolean(wantHost.ReadonlyRootfs));
  differs("terminal.docker.volumes", [...(have.Binds ?? [])].sort(), [...(wantHost.Binds ?? [])].sort());
  differs("terminal.docker.tmpfs_tmp", Object.keys(have.Tmpfs ?? {}), Object.keys(wantHost.Tmpfs ?? {}));
  if (wantHost.Runtime !== undefined) differs("terminal.docker.runtime", have.Runtime, wantHost.Runtime);
  differs("terminal.docker.workdir", info.Config.WorkingDir, want.WorkingDir);
  // The engine adds the image's variables: only ours missing from it is a change.
  const haveEnv = new Set(info.Config.Env ?? []);
  if ((want.Env ?? []).some((entry) => !haveEnv.has(entry))) changed.push("terminal.docker.env");
  return changed;
}

/** `the new terminal.docker.memory`, `the new terminal.docker.memory and terminal.docker.cpus`, or `the new terminal.docker settings`. */
export function newSettingsPhrase(changed: readonly string[]): string {
  if (changed.length === 0) return "the new terminal.docker settings";
  const last = changed[changed.length - 1]!;
  return `the new ${changed.length === 1 ? last : `${changed.slice(0, -1).join(", ")} and ${last}`}`;
}
