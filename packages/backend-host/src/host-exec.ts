import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import {
  BackendError,
  assertEnvNames,
  childRunMarker,
  createExecOutput,
  createOutputFlow,
  effectiveTimeoutMs,
  execStatus,
  runMarkerEnv,
  waitForStreamsEnd,
  watchDeadline,
  type ExecOptions,
  type ExecResult,
} from "@monoclaw/core/backend";
import { killHostProcessTree } from "./host-process-kill.js";
import type { SubreaperLauncher } from "./host-subreaper.js";

/** What one host command needs from its backend. */
export interface HostExecContext {
  shell: string;
  /** Absolute working directory (already resolved against the workspace). */
  cwd: string;
  /** The filtered environment (secrets removed, config `env` added). */
  env: Readonly<Record<string, string>>;
  /** The backend's marker; this command gets a child of it. */
  parentMarker: string;
  defaultTimeoutMs: number;
  killGraceMs?: number;
  /** Starts the shell as a child subreaper (orphans stay its children); without it the shell is spawned directly. */
  subreaper?: SubreaperLauncher | undefined;
  spillDirectory?: string;
}

let sequence = 0;

/**
 * Runs `<shell> -c command` on the host in a new session and process group
 * (detached), as a child subreaper when `context.subreaper` is given, tagged
 * with its own run marker. Streams output as it comes;
 * resolves after the process exited and its output was read. On timeout or
 * abort, {@link killHostProcessTree} ends it and everything it started before
 * the promise resolves. Background jobs of a command that exits by itself
 * keep running (they are ended by the backend's `dispose`).
 */
export function hostExec(command: string, options: ExecOptions, context: HostExecContext): Promise<ExecResult> {
  if (typeof command !== "string") return Promise.reject(new BackendError("INVALID", "The command must be a string"));
  if (command.includes("\0")) return Promise.reject(new BackendError("INVALID", "The command contains a NUL byte, which no shell can run"));
  assertEnvNames(options.env);
  const timeoutMs = effectiveTimeoutMs(options.timeoutMs, context.defaultTimeoutMs);
  const marker = childRunMarker(context.parentMarker, `e${++sequence}`);
  const startedAt = performance.now();
  if (options.signal?.aborted) {
    // Aborted before it started: nothing runs.
    const none = createExecOutput(options).finish();
    return Promise.resolve({ ...execStatus(null, null, "abort"), timedOut: false, aborted: true, durationMs: 0, ...none });
  }

  return new Promise<ExecResult>((resolve, reject) => {
    const [file, args] = context.subreaper?.wrap(context.shell, ["-c", command]) ?? [context.shell, ["-c", command]];
    const child = spawn(file, args, {
      cwd: context.cwd,
      env: { ...context.env, ...options.env, ...runMarkerEnv(marker) },
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      detached: true,
    });
    const output = createExecOutput(options, context.spillDirectory);
    // A listener that cannot keep up pauses the pipe: the command blocks instead of its output filling memory.
    const flows = { stdout: createOutputFlow(child.stdout!), stderr: createOutputFlow(child.stderr!) };
    child.stdout!.on("data", (chunk: Buffer) => flows.stdout.hold(output.write("stdout", chunk)));
    child.stderr!.on("data", (chunk: Buffer) => flows.stderr.hold(output.write("stderr", chunk)));
    if (child.stdin) {
      child.stdin.on("error", () => undefined); // the command may exit without reading its stdin
      child.stdin.end(options.stdin);
    }

    let killing: Promise<void> | undefined;
    const deadline = watchDeadline({ timeoutMs, signal: options.signal }, () => {
      // The command is being ended: its pipes must drain and close whatever the listener does.
      flows.stdout.release();
      flows.stderr.release();
      killing = killHostProcessTree({ marker, shellPid: child.pid, ...(context.killGraceMs === undefined ? {} : { graceMs: context.killGraceMs }) });
    });

    child.once("error", (error: NodeJS.ErrnoException) => {
      deadline.dispose();
      output.finish();
      reject(spawnError(error, context));
    });
    child.once("exit", (code, signal) => {
      // A timeout after the shell exited (while its output drains) no longer counts.
      const stopped = deadline.reason;
      deadline.dispose();
      void (async () => {
        await waitForStreamsEnd([child.stdout, child.stderr]);
        if (killing !== undefined) await killing;
        const captured = output.finish();
        resolve({
          ...execStatus(code, signal, stopped),
          timedOut: stopped === "timeout",
          aborted: stopped === "abort",
          durationMs: performance.now() - startedAt,
          stdout: captured.stdout,
          stderr: captured.stderr,
        });
      })();
    });
  });
}

function spawnError(error: NodeJS.ErrnoException, context: HostExecContext): BackendError {
  if (error.code === "ENOENT" || error.code === "ENOTDIR") {
    let isDirectory = false;
    try {
      isDirectory = statSync(context.cwd).isDirectory();
    } catch {
      // missing
    }
    if (!isDirectory) {
      return new BackendError(
        "CWD_NOT_FOUND",
        `Cannot run the command in ${context.cwd}: no such directory. Create it, or pass an existing directory as cwd (terminal.cwd / --cwd).`,
        { path: context.cwd, cause: error },
      );
    }
    return new BackendError("UNAVAILABLE", `The shell ${context.shell} was not found. Install it or set terminal.host.shell.`, { cause: error });
  }
  return new BackendError("UNAVAILABLE", `Cannot start ${context.shell}: ${error.message}`, { cause: error });
}
