import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { BackendError } from "./backend-error.js";
import type { OpenShellTransport, ShellTransport } from "./shell-transport.js";
import { waitForStreamsEnd } from "./wait-for-streams.js";

export interface ChildProcessShellOptions {
  /** The program: `/bin/bash`, `/bin/sh`, `ssh`, `docker`... */
  command: string;
  /** Its arguments; the program must read shell commands from stdin (`-s`). */
  args: readonly string[];
  /** Local working directory to start it in. */
  cwd: string;
  /** Its whole environment (the marker variable is added). */
  env: Readonly<Record<string, string>>;
}

/**
 * A {@link OpenShellTransport} over a local child process, started in its own
 * process group (detached). `kill` sends KILL to that group and resolves once
 * the exit was reported; processes that left the group are the protocol's
 * marker kill's job. Start failures reject with a BackendError naming the
 * program or the missing directory.
 */
export function childProcessShellTransport(options: ChildProcessShellOptions): OpenShellTransport {
  return (events, markerEnv) =>
    new Promise<ShellTransport>((resolve, reject) => {
      const child = spawn(options.command, [...options.args], {
        cwd: options.cwd,
        env: { ...options.env, ...markerEnv },
        stdio: ["pipe", "pipe", "pipe"],
        detached: true,
      });
      let exitReported = false;
      let onExitReported!: () => void;
      const exitPromise = new Promise<void>((done) => (onExitReported = done));
      child.stdout.on("data", (chunk: Buffer) => events.stdout(chunk));
      child.stderr.on("data", (chunk: Buffer) => events.stderr(chunk));
      child.stdin.on("error", () => undefined); // EPIPE once the shell is gone: reported through exit
      child.once("error", (error: NodeJS.ErrnoException) => {
        if (!existsSync(options.cwd)) {
          reject(
            new BackendError(
              "CWD_NOT_FOUND",
              `Cannot start a shell in ${options.cwd}: the directory does not exist. Create it or choose another working directory.`,
              { path: options.cwd, cause: error },
            ),
          );
        } else {
          reject(
            new BackendError("UNAVAILABLE", `Cannot start the shell ${options.command}: ${error.message}. Check that it is installed (terminal.host.shell).`, {
              cause: error,
            }),
          );
        }
        exitReported = true;
        onExitReported();
      });
      child.once("exit", (exitCode, signal) => {
        void waitForStreamsEnd([child.stdout, child.stderr]).then(() => {
          if (exitReported) return;
          exitReported = true;
          events.exit({ exitCode, signal });
          onExitReported();
        });
      });
      child.once("spawn", () =>
        resolve({
          write(data) {
            if (child.stdin.writable) child.stdin.write(data);
          },
          pause() {
            child.stdout.pause();
            child.stderr.pause();
          },
          resume() {
            child.stdout.resume();
            child.stderr.resume();
          },
          async kill() {
            if (!exitReported && child.pid !== undefined) {
              try {
                process.kill(-child.pid, "SIGKILL");
              } catch {
                // already gone
              }
            }
            await exitPromise;
          },
        }),
      );
    });
}
