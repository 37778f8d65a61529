import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built bin: these tests run what users run (build first: `pnpm turbo build --filter monoclaw...`). */
export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

export interface TestHome {
  root: string;
  /** MONOCLAW_HOME */
  home: string;
  configFile: string;
  /** An empty directory to run in (the default terminal.cwd). */
  workdir: string;
  /** A clean environment: no API keys, no MONOCLAW_DEBUG, HOME inside `root`. */
  env: Record<string, string>;
  writeConfig(text: string): void;
  readConfig(): string;
  remove(): void;
}

export function createTestHome(): TestHome {
  const root = mkdtempSync(join(tmpdir(), "monoclaw-cli-test-"));
  const home = join(root, "monoclaw-home");
  const workdir = join(root, "work");
  mkdirSync(workdir, { recursive: true });
  const configFile = join(home, "config.yaml");
  return {
    root,
    home,
    configFile,
    workdir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: root, MONOCLAW_HOME: home, LANG: "C.UTF-8" },
    writeConfig: (text) => {
      mkdirSync(home, { recursive: true });
      writeFileSync(configFile, text);
    },
    readConfig: () => readFileSync(configFile, "utf8"),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A config.yaml for the Docker backend on the sh-only test image: no network, never pulling, kept warm between commands. */
export function dockerTestConfig(workdir: string): string {
  return [
    "terminal:",
    "  backend: docker",
    `  cwd: ${workdir}`,
    "  docker:",
    "    image: monoclaw-test/busybox:latest",
    "    network: none",
    "    pull: never",
    "    keep_warm: true",
    "",
  ].join("\n");
}

export interface BinResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningBin {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text`; rejects if the process exits first. */
  waitForStdout(text: string): Promise<void>;
  exited: Promise<BinResult>;
}

/** Starts `node dist/bin.js ...args` with pipes (not a TTY). */
export function startBin(args: string[], options: { env: Record<string, string>; cwd: string; input?: string }): RunningBin {
  const child = spawn(process.execPath, [BIN, ...args], { env: options.env, cwd: options.cwd, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdin.on("error", () => undefined); // the bin may exit without reading its stdin
  child.stdin.end(options.input);
  const exited = new Promise<BinResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForStdout: (text) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (stdout.includes(text)) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
        void exited.then((result) => {
          if (!stdout.includes(text)) reject(new Error(`exited (${result.code}) before printing ${JSON.stringify(text)}; stderr: ${result.stderr}`));
        });
      }),
  };
}

/** Runs the bin to completion. */
export function runBin(args: string[], options: { env: Record<string, string>; cwd: string; input?: string }): Promise<BinResult> {
  return startBin(args, options).exited;
}

/** Whether a process exists and is not a zombie (an exited child nobody reaped yet). */
export function isProcessAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Polls `condition` until it holds; throws naming `what` after `timeoutMs` (generous: machines are loaded). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function readPid(file: string): number {
  return Number(readFileSync(file, "utf8").trim());
}
