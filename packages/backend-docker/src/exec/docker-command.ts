import { constants } from "node:os";
import type Docker from "dockerode";
import {
  BackendError,
  createExecOutput,
  execStatus,
  childRunMarker,
  newRunMarker,
  processTreeKillScript,
  RUN_MARKER_VARIABLE,
  watchDeadline,
  type ExecOptions,
  type ExecResult,
} from "@monoclaw/core/backend";
import { runContainerExec } from "./container-exec.js";

/** Printed to stderr (and exit 200) when the working directory is missing; never shown to users. */
const CWD_MISSING = "\u0000monoclaw:cwd-missing\u0000";
// `$1` is the directory, `$2` the command: neither is parsed by this wrapper.
const WRAPPER = `cd -- "$1" 2>/dev/null || { printf '${CWD_MISSING.replaceAll("\u0000", "\\0")}' >&2; exit 200; }
shift
exec /bin/sh -c "$1"`;

/**
 * TERM-to-KILL grace of every kill in a container (one-shot commands, shell
 * sessions, the pooled shells): short, because under gVisor each scan of the
 * container's processes costs a few hundred milliseconds and the kill must
 * still end within the contract's 5 s of the timeout with TERM ignored.
 */
export const CONTAINER_KILL_GRACE_MS = 500;

/** Longest command passed as an exec argument (the kernel caps one argument at 128 KiB). */
export const MAX_INLINE_COMMAND_BYTES = 100 * 1024;

export interface DockerCommandRequest {
  docker: Docker;
  containerId: string;
  command: string;
  /** Absolute working directory in the container. */
  cwd: string;
  /** `KEY=VALUE` entries for this command (forward_env values, ExecOptions.env). */
  env: string[];
  user?: string;
  timeoutMs: number;
  options: ExecOptions;
  /** Where the command's orphans are re-parented (1 in a managed container, whose init is tini): see `processTreeKillScript`'s `adoptedBy`. */
  orphanReaper?: number;
}

/**
 * Runs one command in its own exec (`sh -c`), streaming output into a capped
 * capture. Every process it starts carries a fresh run marker in its
 * environment; on timeout or abort one more exec runs the process-tree kill
 * script INSIDE the container, so background, `nohup` and `setsid` children
 * die too, then the attach stream is closed and the result resolves (124 or
 * 130). Rejects with `CWD_NOT_FOUND` for a missing directory and passes
 * engine errors (404 No such container, 409 not running) through unchanged
 * for the caller's recreate-and-retry.
 */
export async function runDockerCommand(request: DockerCommandRequest): Promise<ExecResult> {
  const { docker, containerId, options } = request;
  const started = Date.now();
  // A child marker: what `listRunningCommands` takes for a command, not for an idle shell.
  const marker = childRunMarker(newRunMarker(), "cmd");
  const output = createExecOutput(options);
  const stdin = options.stdin === undefined ? undefined : typeof options.stdin === "string" ? Buffer.from(options.stdin) : options.stdin;
  const stream = new AbortController();
  let killing: Promise<void> | undefined;
  const deadline = watchDeadline({ timeoutMs: request.timeoutMs, signal: options.signal }, () => {
    const adoptedBy = request.orphanReaper === undefined ? undefined : { reaperPids: [request.orphanReaper], startedWithinMs: Date.now() - started };
    killing = killMarked(docker, containerId, marker, request.user, adoptedBy).finally(() => {
      // The tree is gone; give the stream a moment to deliver the last bytes, then cut it.
      setTimeout(() => stream.abort(), 1_000).unref();
    });
  });
  let result: { exitCode: number | null };
  try {
    result = await runContainerExec(docker, containerId, {
      cmd: ["/bin/sh", "-c", WRAPPER, "sh", request.cwd, request.command],
      env: [...request.env, `${RUN_MARKER_VARIABLE}=${marker}`],
      user: request.user,
      stdin,
      signal: stream.signal,
      onOutput: (name, chunk) => output.write(name, chunk),
    });
  } catch (error) {
    deadline.dispose();
    output.finish();
    throw error;
  } finally {
    deadline.dispose();
  }
  if (killing) await killing;
  const captured = output.finish();
  if (result.exitCode === 200 && deadline.reason === undefined && captured.stderr.totalBytes === Buffer.byteLength(CWD_MISSING)) {
    throw new BackendError("CWD_NOT_FOUND", `The working directory ${request.cwd} does not exist in the container`, { path: request.cwd });
  }
  // A stopped command's fate: the kill script sends TERM, then KILL to survivors.
  const signalName = deadline.reason !== undefined && result.exitCode !== null && result.exitCode > 128 ? signalFromCode(result.exitCode - 128) : null;
  const status = execStatus(result.exitCode, signalName, deadline.reason);
  return {
    ...status,
    timedOut: deadline.reason === "timeout",
    aborted: deadline.reason === "abort",
    durationMs: Date.now() - started,
    stdout: captured.stdout,
    stderr: captured.stderr,
  };
}

/**
 * Ends every process in the container whose environment carries `marker`,
 * their descendants and, with `adoptedBy`, the orphans PID 1 adopted while
 * the command ran (TERM, then KILL), with one exec of the core kill script. Runs as the
 * commands' user: /proc/<pid>/environ of another user is unreadable without
 * CAP_SYS_PTRACE, which the container does not have. Never throws.
 */
export async function killMarked(
  docker: Docker,
  containerId: string,
  marker: string,
  user: string | undefined,
  adoptedBy?: { reaperPids: number[]; startedWithinMs: number },
): Promise<void> {
  const script = processTreeKillScript({ marker, graceMs: CONTAINER_KILL_GRACE_MS, ...(adoptedBy === undefined ? {} : { adoptedBy }) });
  await runContainerExec(docker, containerId, { cmd: ["/bin/sh", "-c", script], user }).catch(() => undefined);
}

/** `SIGKILL` for 9, ...: the signal whose number a shell reports as exit code 128 + n. */
function signalFromCode(code: number): string | null {
  const entry = Object.entries(constants.signals).find(([, number]) => number === code);
  return entry?.[0] ?? null;
}
