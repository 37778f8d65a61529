import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn as spawnPty, type IPty } from "@lydell/node-pty";
import { BIN, createTestHome, type TestHome } from "../cli.test-helpers.js";

export interface AgentTestHome extends TestHome {
  sessionsDir: string;
  /** Paths of the session files written so far. */
  sessionFiles(): string[];
}

/**
 * A temporary MONOCLAW_HOME (see `createTestHome`: clean environment, no real
 * API keys) whose config points the `openai-compatible` provider at the
 * scripted model server and runs commands on the host in `workdir`.
 * `extraTerminal` lines are added under `terminal:` (two-space indented).
 */
export function createAgentTestHome(options: { baseURL: string; model?: string; extraTerminal?: string[] }): AgentTestHome {
  const home = createTestHome();
  home.writeConfig(
    [
      `model: ${options.model ?? "openai-compatible/scripted-model"}`,
      "providers:",
      "  openai-compatible:",
      `    base_url: ${options.baseURL}`,
      "terminal:",
      "  backend: host",
      `  cwd: ${home.workdir}`,
      ...(options.extraTerminal ?? []).map((line) => `  ${line}`),
      "",
    ].join("\n"),
  );
  const sessionsDir = join(home.home, "sessions");
  return {
    ...home,
    sessionsDir,
    sessionFiles: () => {
      try {
        return readdirSync(sessionsDir)
          .filter((name) => name.endsWith(".jsonl"))
          .map((name) => join(sessionsDir, name));
      } catch {
        return [];
      }
    },
  };
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
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, "")
    .replace(/\u001b\][^\u0007]*\u0007/g, "")
    .replace(/\r/g, "");
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
  return spawnInPty(process.execPath, [BIN, ...args], options);
}

/** Any program in a real pseudo-terminal (120x40), e.g. an interactive shell. */
export function spawnInPty(file: string, args: string[], options: { env: Record<string, string>; cwd?: string }): PtyCli {
  const pty = spawnPty(file, args, {
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
            reject(new Error(`${file} exited (${exitCode}) before ${pattern} appeared. Output:\n${plain(output)}`));
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
