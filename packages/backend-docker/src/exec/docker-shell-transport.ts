import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import { BackendError, RUN_MARKER_VARIABLE, type OpenShellTransport, type ShellTransport } from "@monoclaw/core/backend";
import { createAttachedExec } from "./container-exec.js";
import { createFrameDemuxer } from "./frame-demuxer.js";
import { killMarked } from "./docker-command.js";

/** Starts bash when the image has it (users expect bash syntax), else the image's sh; both read commands from stdin. */
export const SESSION_SHELL = ["/bin/sh", "-c", "if command -v bash >/dev/null 2>&1; then exec bash --noprofile --norc -s; fi; exec /bin/sh -s"];

export interface DockerShellTransportOptions {
  docker: Docker;
  containerId: string;
  /** `KEY=VALUE` entries for the shell (forward_env values): exec-only, never in the container's configuration. */
  env: string[];
  user?: string;
  workingDir: string;
}

/**
 * The shell-session transport over one Docker exec: `AttachStdin`, no TTY,
 * output split by the hand-written demuxer. The shell process and everything
 * it starts carry the session's run marker, so `kill` ends them all INSIDE
 * the container (one exec of the core kill script), then closes the stream.
 */
export function dockerShellTransport(options: DockerShellTransportOptions): OpenShellTransport {
  return async (events, markerEnv) => {
    const { docker, containerId } = options;
    const marker = markerEnv[RUN_MARKER_VARIABLE];
    const exec = await createAttachedExec(docker, containerId, {
      cmd: SESSION_SHELL,
      env: [...options.env, ...Object.entries(markerEnv).map(([key, value]) => `${key}=${value}`)],
      user: options.user,
      workingDir: options.workingDir,
      stdin: true,
    });
    let stream: Duplex;
    try {
      stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
    } catch (error) {
      throw new BackendError("UNAVAILABLE", `Cannot start a shell in the container: ${(error as Error).message}`, { cause: error });
    }
    const demuxer = createFrameDemuxer((type, payload) => (type === 2 ? events.stderr(payload) : events.stdout(payload)));
    let exited = false;
    let resolveExit!: () => void;
    const exitReported = new Promise<void>((resolve) => (resolveExit = resolve));
    const reportExit = () => {
      if (exited) return;
      exited = true;
      exec
        .inspect()
        .then((info) => (typeof info.ExitCode === "number" ? info.ExitCode : null))
        .catch(() => null)
        .then((exitCode) => {
          events.exit({ exitCode, signal: null });
          resolveExit();
        });
    };
    stream.on("data", (chunk: Buffer) => demuxer.push(chunk));
    stream.on("end", reportExit);
    stream.on("close", reportExit);
    stream.on("error", reportExit);

    const transport: ShellTransport = {
      write(data) {
        if (exited || stream.destroyed) return;
        stream.write(data);
      },
      // The attach stream carries stdout and stderr: pausing it holds both back (the shell blocks on its full pipes).
      pause: () => stream.pause(),
      resume: () => stream.resume(),
      async kill() {
        if (!exited) {
          if (marker !== undefined) await killMarked(docker, containerId, marker, options.user);
          stream.destroy();
          reportExit();
        }
        await exitReported;
      },
    };
    return transport;
  };
}
