import { spawn } from "node:child_process";

export interface RunOptions {
  cwd?: string;
  /** Replaces the environment when given (merge with `process.env` yourself). */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  input?: string;
  /** The process group is killed (SIGKILL) after this many milliseconds. Default 10 minutes. */
  timeoutMs?: number;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without a shell in its own process group and resolves with
 * its exit status and output, whatever the exit code. Rejects only when the
 * program cannot be started or outlives `timeoutMs`; then the whole group
 * (npm's children included) is killed first, so nothing is left behind.
 */
export function runCommand(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${file}: ${error.message}`, { cause: error }));
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      const result = {
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      };
      if (timedOut) reject(new Error(`${describe(file, args)} did not finish within ${timeoutMs} ms\n${result.stderr}`));
      else resolve(result);
    });
    child.stdin.on("error", () => {}); // a program that exits without reading stdin
    child.stdin.end(options.input ?? "");
  });
}

/** Like {@link runCommand}, but rejects with the program's stderr when it exits non-zero. */
export async function runChecked(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await runCommand(file, args, options);
  if (result.exitCode !== 0) {
    throw new Error(
      `${describe(file, args)} exited with ${result.exitCode ?? result.signal}\n` +
        `--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-4000)}`,
    );
  }
  return result;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function describe(file: string, args: readonly string[]): string {
  return [file, ...args].join(" ");
}
