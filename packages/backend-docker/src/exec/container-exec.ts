import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import { createFrameDemuxer } from "./frame-demuxer.js";

/** One process started in a container through the Engine API (one exec). */
export interface ContainerExecRequest {
  cmd: string[];
  /** `KEY=VALUE` entries for this exec only (never stored in the container's configuration). */
  env?: string[];
  workingDir?: string;
  user?: string;
  /** Bytes for the process's standard input, which is then closed. Without it stdin is closed at once. */
  stdin?: Uint8Array;
  onOutput?: (stream: "stdout" | "stderr", chunk: Uint8Array) => void;
  /** Aborting destroys the attach stream; the caller ends the processes in the container. */
  signal?: AbortSignal;
}

export interface ContainerExecResult {
  /** The exit code, or null when the stream was cut (abort, engine gone). */
  exitCode: number | null;
}

/** How `createAttachedExec` sets up one exec. */
export interface AttachedExecSpec {
  cmd: string[];
  /** `KEY=VALUE` entries for this exec only (never stored in the container's configuration). */
  env?: string[];
  user?: string;
  workingDir?: string;
  /** Whether stdin is attached (the caller writes to the hijacked stream). */
  stdin: boolean;
  /** A TTY exec (only the interactive shell on a terminal); default false: output is multiplexed frames. */
  tty?: boolean;
}

/**
 * Creates (does not start) one exec in `containerId` with stdout and stderr
 * attached, stdin as `spec.stdin` says. Rejects with the engine's error when
 * the container is missing or not running.
 */
export function createAttachedExec(docker: Docker, containerId: string, spec: AttachedExecSpec): Promise<Docker.Exec> {
  return docker.getContainer(containerId).exec({
    Cmd: spec.cmd,
    Env: spec.env,
    User: spec.user,
    WorkingDir: spec.workingDir,
    AttachStdin: spec.stdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: spec.tty ?? false,
  });
}

/**
 * Runs one exec and streams its output through the hand-written demuxer (no
 * TTY). Resolves when the process's output ends; rejects only when the exec
 * could not be created or started (the engine's error, e.g. 404 "No such
 * container" or 409 "is not running", with `statusCode`). Aborting resolves
 * with `exitCode: null` and does NOT end the process: see kill-tree usage in
 * the backend.
 */
export async function runContainerExec(docker: Docker, containerId: string, request: ContainerExecRequest): Promise<ContainerExecResult> {
  const exec = await createAttachedExec(docker, containerId, {
    cmd: request.cmd,
    env: request.env,
    workingDir: request.workingDir,
    user: request.user,
    stdin: request.stdin !== undefined,
  });
  const stream = (await exec.start({ hijack: true, stdin: request.stdin !== undefined })) as Duplex;
  const completed = await pumpExecStream(stream, request);
  if (!completed) return { exitCode: null };
  const info = await exec.inspect();
  return { exitCode: typeof info.ExitCode === "number" ? info.ExitCode : null };
}

/** Feeds stdin, demultiplexes output; resolves true when the stream ended by itself, false when aborted. */
function pumpExecStream(stream: Duplex, request: ContainerExecRequest): Promise<boolean> {
  return new Promise((resolve) => {
    const onOutput = request.onOutput;
    const demuxer = createFrameDemuxer((type, payload) => onOutput?.(type === 2 ? "stderr" : "stdout", payload));
    let settled = false;
    const finish = (completed: boolean) => {
      if (settled) return;
      settled = true;
      request.signal?.removeEventListener("abort", onAbort);
      resolve(completed);
    };
    const onAbort = () => {
      stream.destroy();
      finish(false);
    };
    if (request.signal?.aborted) return onAbort();
    request.signal?.addEventListener("abort", onAbort, { once: true });
    stream.on("data", (chunk: Buffer) => demuxer.push(chunk));
    stream.on("end", () => finish(true));
    stream.on("close", () => finish(true));
    stream.on("error", () => finish(true));
    if (request.stdin !== undefined) {
      stream.on("error", () => undefined);
      if (request.stdin.length > 0) stream.write(request.stdin);
      stream.end();
    }
  });
}
