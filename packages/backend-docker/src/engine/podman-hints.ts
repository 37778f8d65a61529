/**
 * A known way Podman fails to start a container on a machine with Debian's
 * defaults (no catatonit, hard limits below Podman's default ulimits, cgroup
 * v1 with crun), with what to change. Each was met on the project's machine
 * with Debian bookworm's podman 4.3.1; the texts matched are the engine's own.
 */
export interface PodmanStartFailure {
  id: "init-binary" | "ulimits" | "crun-hybrid-cgroups";
  /** What is wrong, in one clause. */
  problem: string;
  /** What to change on the engine's host. */
  fix: string;
}

/** Linux's rlimit numbers (asm-generic, as on x86 and arm) for the two Podman sets by default. */
const RLIMIT_NAMES: Record<string, { name: string; shell: string }> = {
  "6": { name: "nproc", shell: "ulimit -Hu" },
  "7": { name: "nofile", shell: "ulimit -Hn" },
};

const RESTART = "then restart the Podman service";

/**
 * The failure `engineText` (an engine's error message from create or start)
 * names, or undefined for any other text.
 */
export function podmanStartFailure(engineText: string): PodmanStartFailure | undefined {
  if (/container-init binary not found/i.test(engineText)) {
    const looked = /stat (\S+?):/.exec(engineText)?.[1];
    return {
      id: "init-binary",
      problem: `Podman has no init binary for the container's init process${looked ? ` (it looked for ${looked})` : ""}`,
      fix:
        "install Debian's catatonit on the engine's host (`apt-get install catatonit`, which provides /usr/libexec/podman/catatonit); " +
        "the podman CLI also reads init_path in containers.conf, but Podman 4.3's Docker-compatible API looks only at /usr/libexec/podman/catatonit",
    };
  }
  const rlimit = /error setting rlimit type (\d+): operation not permitted/i.exec(engineText);
  if (rlimit) {
    const which = RLIMIT_NAMES[rlimit[1]!];
    const what = which ? `${which.name} (rlimit type ${rlimit[1]})` : `rlimit type ${rlimit[1]}`;
    return {
      id: "ulimits",
      problem: `Podman's default ulimits ask for more ${what} than the engine host's hard limit allows`,
      fix:
        "give limits within `ulimit -Hn` and `ulimit -Hu` of the engine's host in containers.conf, e.g. " +
        '[containers] default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"] in /etc/containers/containers.conf.d/50-ulimits.conf ' +
        `(rootless Podman: ~/.config/containers/containers.conf), ${RESTART}; ` +
        "a container that sets a ulimit of its own (terminal.docker.runtime: runsc sets nproc) gets Podman's built-in nofile=1048576 instead of default_ulimits, " +
        "which needs the Podman service's hard limit raised to that (`ulimit -Hn 1048576` before starting it)",
    };
  }
  if (/crun: cgroups in hybrid mode not supported/i.test(engineText)) {
    return {
      id: "crun-hybrid-cgroups",
      problem: "crun refuses this host's hybrid cgroups (cgroup v1 beside a cgroup v2 hierarchy); it is Podman's runtime unless containers.conf names another",
      fix: `install Debian's runc and set [engine] runtime = "runc" in containers.conf (e.g. /etc/containers/containers.conf.d/50-runtime.conf), ${RESTART}; or boot the host with cgroup v2 only`,
    };
  }
  return undefined;
}

/** One line for an error message: the problem and the fix, or undefined when the text is no known Podman failure. */
export function podmanStartFailureMessage(engineText: string): string | undefined {
  const failure = podmanStartFailure(engineText);
  return failure ? `${failure.problem}: ${failure.fix}` : undefined;
}
