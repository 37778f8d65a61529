import type { Duplex } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import type Docker from "dockerode";
import { createAttachedExec } from "./container-exec.js";
import { createFrameDemuxer } from "./frame-demuxer.js";
import { SESSION_SHELL } from "./docker-shell-transport.js";

/** The terminal `monoclaw sandbox shell` connects to the container. */
export interface InteractiveShellIO {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream & {
    isTTY?: boolean;
    columns?: number;
    rows?: number;
    on?(event: "resize", listener: () => void): unknown;
    off?(event: "resize", listener: () => void): unknown;
  };
  stderr: NodeJS.WritableStream;
}

export interface InteractiveShellRequest {
  docker: Docker;
  containerId: string;
  user?: string;
  env: string[];
  workingDir: string;
}

/** bash as a login-less interactive shell when the image has it, else sh. */
const INTERACTIVE_SHELL = ["/bin/sh", "-c", "if command -v bash >/dev/null 2>&1; then exec bash -i; fi; exec /bin/sh -i"];

/**
 * Opens an interactive shell in the container and connects it to `io` until
 * it exits; resolves with its exit code. With a terminal on both ends this is
 * the one place the backend uses a TTY exec (raw mode, window size kept in
 * sync); otherwise stdin is piped and output demultiplexed as for commands.
 * The terminal is restored however the shell ends.
 */
export async function runInteractiveShell(request: InteractiveShellRequest, io: InteractiveShellIO): Promise<number> {
  const tty = io.stdin.isTTY === true && io.stdout.isTTY === true;
  const exec = await createAttachedExec(request.docker, request.containerId, {
    cmd: tty ? INTERACTIVE_SHELL : SESSION_SHELL,
    env: [...request.env, ...(tty ? ["TERM=xterm-256color"] : [])],
    user: request.user,
    workingDir: request.workingDir,
    stdin: true,
    tty,
  });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: tty })) as Duplex;
  const ended = new Promise<void>((resolve) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", () => resolve());
  });
  const windowSize = () => (io.stdout.columns && io.stdout.rows ? { h: io.stdout.rows, w: io.stdout.columns } : undefined);
  const resize = () => {
    const size = windowSize();
    if (size) void exec.resize(size).catch(() => undefined);
  };
  const onInput = (chunk: Buffer) => stream.write(chunk);
  const onInputEnd = () => stream.end();
  if (tty) {
    io.stdin.setRawMode?.(true);
    io.stdout.on?.("resize", resize);
    stream.on("data", (chunk: Buffer) => io.stdout.write(chunk));
  } else {
    const demuxer = createFrameDemuxer((type, payload) => (type === 2 ? io.stderr : io.stdout).write(payload));
    stream.on("data", (chunk: Buffer) => demuxer.push(chunk));
  }
  try {
    // The size must be in place before the shell reads what was typed ahead
    // (`stty size` as the first command), so stdin is connected only after it.
    if (tty) await applyInitialSize(exec, windowSize());
    io.stdin.on("data", onInput);
    io.stdin.on("end", onInputEnd);
    io.stdin.resume();
    await ended;
  } finally {
    io.stdin.off("data", onInput);
    io.stdin.off("end", onInputEnd);
    io.stdin.pause();
    if (tty) {
      io.stdin.setRawMode?.(false);
      io.stdout.off?.("resize", resize);
    }
  }
  const info = await exec.inspect();
  return typeof info.ExitCode === "number" ? info.ExitCode : 1;
}

/**
 * Sets the exec's window size, retrying briefly: the engine may refuse a
 * resize until the exec's process is running (docker's own CLI retries the
 * same way). A terminal without a size keeps the engine's default.
 */
async function applyInitialSize(exec: Docker.Exec, size: { h: number; w: number } | undefined): Promise<void> {
  if (size === undefined) return;
  for (let attempt = 1; attempt <= RESIZE_ATTEMPTS; attempt++) {
    try {
      await exec.resize(size);
      return;
    } catch {
      await delay(10 * attempt);
    }
  }
}

const RESIZE_ATTEMPTS = 10;
