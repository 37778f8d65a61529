import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn as spawnPty, type IPty } from "@lydell/node-pty";

/** The built CLI: these tests run what users run. Build first (`pnpm turbo build --filter monoclaw...`). */
export const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

export interface TestHome {
  /** MONOCLAW_HOME */
  home: string;
  /** terminal.cwd: where host commands run. */
  workdir: string;
  env: Record<string, string>;
  sessionsDir: string;
  sessionFiles(): string[];
  remove(): void;
}

/**
 * A temporary MONOCLAW_HOME whose config points the `openai-compatible`
 * provider at the scripted model server, with a clean environment (no real
 * API keys, HOME inside the temporary directory).
 */
export function createTestHome(options: { baseURL: string; config?: string; model?: string }): TestHome {
  const root = mkdtempSync(join(tmpdir(), "monoclaw-cli-e2e-"));
  const home = join(root, "monoclaw-home");
  const workdir = join(root, "work");
  mkdirSync(home, { recursive: true });
  mkdirSync(workdir, { recursive: true });
  const config =
    options.config ??
    [
      `model: ${options.model ?? "openai-compatible/scripted-model"}`,
      "providers:",
      "  openai-compatible:",
      `    base_url: ${options.baseURL}`,
      "terminal:",
      "  backend: host",
      `  cwd: ${workdir}`,
      "",
    ].join("\n");
  writeFileSync(join(home, "config.yaml"), config);
  const sessionsDir = join(home, "sessions");
  return {
    home,
    workdir,
    sessionsDir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: root,
      MONOCLAW_HOME: home,
      LANG: "C.UTF-8",
    },
    sessionFiles: () => {
      try {
        return readdirSync(sessionsDir).filter((name) => name.endsWith(".jsonl")).map((name) => join(sessionsDir, name));
      } catch {
        return [];
      }
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/bin.js ...args` with pipes (no TTY) and resolves when it exits. */
export function runCli(args: string[], options: { env: Record<string, string>; input?: string; cwd?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: options.env, cwd: options.cwd ?? tmpdir(), stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** Parsed lines of a JSONL file. */
export function readJsonLines(path: string): Array<Record<string, any>> {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, any>);
}

/**
 * Terminal output as a person would read it, for matching: a line erased
 * with `\r ESC[2K` (the spinner) is dropped, then escape sequences and
 * carriage returns are removed.
 */
export function plain(text: string): string {
  return text
    .replace(/[^\n]*\r\u001b\[2K/g, "")
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, "").replace(/\u001b\][^\u0007]*\u0007/g, "").replace(/\r/g, "");
}

/** The CLI in a real pseudo-terminal. */
export interface PtyCli {
  readonly pty: IPty;
  /** Everything written to the terminal so far (raw). */
  output(): string;
  /** Resolves once plain(output after `from`) matches; rejects with the output after `timeoutMs`. */
  waitFor(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<number>;
  write(data: string): void;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  kill(): void;
}

export function spawnCliInPty(args: string[], options: { env: Record<string, string>; cwd?: string }): PtyCli {
  const pty = spawnPty(process.execPath, [BIN, ...args], {
    name: "xterm-256color",
    cols: 120,
    rows: 40,
    cwd: options.cwd ?? tmpdir(),
    env: { TERM: "xterm-256color", ...options.env },
  });
  let output = "";
  const listeners = new Set<() => void>();
  pty.onData((data) => {
    output += data;
    for (const listener of [...listeners]) listener();
  });
  let exitCode: number | undefined;
  const exited = new Promise<number>((resolve) =>
    pty.onExit(({ exitCode: code }) => {
      exitCode = code;
      resolve(code);
      for (const listener of [...listeners]) listener();
    }),
  );
  return {
    pty,
    output: () => output,
    write: (data) => pty.write(data),
    exited,
    kill: () => {
      if (exitCode === undefined) pty.kill("SIGKILL");
    },
    waitFor(pattern, { from = 0, timeoutMs = 60_000 } = {}) {
      return new Promise<number>((resolve, reject) => {
        const check = () => {
          const text = plain(output.slice(from));
          if (pattern.test(text)) {
            cleanup();
            resolve(output.length);
          } else if (exitCode !== undefined) {
            cleanup();
            reject(new Error(`monoclaw exited (${exitCode}) before ${pattern} appeared. Output:\n${plain(output)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}. Output so far:\n${plain(output)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** PIDs of processes whose command line contains `marker` (read from /proc). */
export function processesMatching(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      if (commandLine.includes(marker)) found.push(Number(entry));
    } catch {
      // Exited while listing.
    }
  }
  return found;
}

/** Polls `condition` every 50 ms until it holds; rejects with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
