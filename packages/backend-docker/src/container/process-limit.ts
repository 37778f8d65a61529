/**
 * How many host tasks (threads) a gVisor sandbox may use per process its
 * `pids_limit` allows. Under Debian's runsc (20221219, ptrace platform) the
 * sandbox's host cgroup counts the Sentry's Go threads and one stub thread
 * per Go thread per address space (google/gvisor#3942), and the stubs are
 * pooled, never freed: measured here, 200 concurrent `sleep`s took 1,600 host
 * tasks on a fresh sandbox and each later burst of 200 added about 1,000.
 */
export const GVISOR_HOST_TASKS_PER_PROCESS = 16;

/** The fewest host tasks a gVisor sandbox is allowed: its Sentry alone starts with about 50, and a small `pids_limit` must survive a few bursts. */
export const GVISOR_MIN_HOST_TASKS = 4096;

/** The runtime names that are gVisor (`runsc`, `runsc-kvm`, `runsc-debug`...). */
export function isGvisorRuntime(runtime: string | undefined): boolean {
  return runtime !== undefined && /^runsc(?:$|[-_.])/.test(runtime);
}

/** The part of a container's HostConfig that enforces `pids_limit`. */
export interface ProcessLimitOptions {
  PidsLimit: number;
  Ulimits?: { Name: "nproc"; Soft: number; Hard: number }[];
}

/**
 * Enforces `pidsLimit` processes in a container under `runtime`.
 *
 * runc, crun, kata: the cgroup pids limit (`PidsLimit`), which a fork past it
 * fails against (EAGAIN).
 *
 * gVisor: the same cgroup limit would count the sandbox's host threads, not
 * the container's processes, and hitting it kills the whole sandbox (the Go
 * runtime cannot start a thread: google/gvisor#2490) instead of failing one
 * fork: 50 concurrent processes three times over stopped a sandbox limited to
 * 1024. So the container's processes are limited inside the sandbox, by
 * RLIMIT_NPROC, which gVisor's kernel enforces per user (a fork past it fails
 * with EAGAIN, root included: the container has no CAP_SYS_RESOURCE), and the
 * cgroup limit stays as a ceiling on the host threads the sandbox may take
 * from the host ({@link GVISOR_HOST_TASKS_PER_PROCESS} per process, at least
 * {@link GVISOR_MIN_HOST_TASKS}). The stub threads of the ptrace platform are
 * never freed, so a sandbox that starts bursts of processes over and over can
 * still reach that ceiling: it then stops, and the next command recreates it.
 */
export function processLimitOptions(pidsLimit: number, runtime: string | undefined): ProcessLimitOptions {
  if (!isGvisorRuntime(runtime)) return { PidsLimit: pidsLimit };
  return {
    PidsLimit: Math.max(pidsLimit * GVISOR_HOST_TASKS_PER_PROCESS, GVISOR_MIN_HOST_TASKS),
    Ulimits: [{ Name: "nproc", Soft: pidsLimit, Hard: pidsLimit }],
  };
}
