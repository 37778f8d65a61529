import { findOnPath } from "./host-shell.js";

/**
 * `prctl(2)`'s system call number on each Linux architecture Node runs on
 * (asm-generic numbering for arm64, riscv64 and loong64).
 */
const PRCTL_SYSCALL: Partial<Record<string, number>> = { x64: 157, ia32: 172, arm: 172, arm64: 167, riscv64: 167, loong64: 167, ppc64: 171, s390x: 172 };
const PR_SET_CHILD_SUBREAPER = 36;

/** Starts a program as a child subreaper; see {@link findSubreaperLauncher}. */
export interface SubreaperLauncher {
  /** `[file, args]` that run `program args...` as a child subreaper, in the same process (no extra process stays). */
  wrap(program: string, args: readonly string[]): [string, string[]];
}

/**
 * A way to start a host shell as a child subreaper (`PR_SET_CHILD_SUBREAPER`):
 * every process it orphans (double fork, `setsid`, daemonising) is
 * re-parented to the shell instead of init, so the kill script's descendant
 * walk still finds it, even when it also cleared its environment. Node cannot
 * call `prctl` itself; perl can (`syscall`), then `exec`s the shell, which
 * keeps the attribute (it survives execve). Returns undefined where that is
 * not possible (not Linux, no perl on PATH, an unknown architecture); the
 * kill then relies on the run marker, the session id and the descendant walk.
 */
export function findSubreaperLauncher(
  path: string | undefined,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): SubreaperLauncher | undefined {
  const prctl = PRCTL_SYSCALL[arch];
  if (platform !== "linux" || prctl === undefined) return undefined;
  const perl = findOnPath("perl", path);
  if (perl === undefined) return undefined;
  // A failed prctl is not fatal: the shell still runs, only orphans go to init.
  const code = `syscall(${prctl}, ${PR_SET_CHILD_SUBREAPER}, 1, 0, 0, 0); exec { $ARGV[0] } @ARGV; print STDERR "monoclaw: cannot run $ARGV[0]: $!\\n"; exit 127;`;
  return { wrap: (program, args) => [perl, ["-e", code, "--", program, ...args]] };
}
