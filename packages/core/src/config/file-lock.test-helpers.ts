import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as delay } from "node:timers/promises";
import ts from "typescript";
import { parseLockHolder, type LockHolder } from "./lock-holder.js";

/**
 * A script around the real lock module, for holders in other processes and
 * other pid namespaces:
 *   hold <file> <ready-file> <heartbeat-ms>   takes the lock, writes its pid to ready-file, holds until killed
 *   increment <file> <times>                  adds 1 to the number in <file>, under the lock, <times> times
 *   try <file> <timeout-ms> <stale-ms>        takes the lock once and prints "took it", or prints why not
 *   launch <pid> hold ...                     (in a fresh pid namespace) uses up pids so `hold` runs as <pid>
 */
const LOCK_SCRIPT = `
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { withFileLock } from "./file-lock.js";

const [mode, ...args] = process.argv.slice(2);
if (mode === "hold") {
  const [file, ready, heartbeatMs] = args;
  await withFileLock(file, () => {
    writeFileSync(ready, String(process.pid));
    return new Promise(() => setInterval(() => undefined, 60_000));
  }, { heartbeatMs: Number(heartbeatMs) });
} else if (mode === "increment") {
  const [file, times] = args;
  for (let i = 0; i < Number(times); i++) {
    await withFileLock(file, async () => {
      const value = Number((await readFile(file, "utf8").catch(() => "0")) || "0");
      await new Promise((resolve) => setTimeout(resolve, 1));
      await writeFile(file, String(value + 1));
    });
  }
} else if (mode === "try") {
  const [file, timeoutMs, staleMs] = args;
  const options = { timeoutMs: Number(timeoutMs), staleMs: Number(staleMs) };
  console.log(await withFileLock(file, async () => "took it", options).catch((error) => error.message));
} else if (mode === "launch") {
  const [pid, ...rest] = args;
  const lastPid = () => Number(readFileSync("/proc/sys/kernel/ns_last_pid", "utf8"));
  while (lastPid() < Number(pid) - 1) spawnSync("/bin/true");
  if (lastPid() !== Number(pid) - 1) throw new Error("cannot start as pid " + pid + ": pid " + lastPid() + " is already taken");
  const child = spawn(process.execPath, [process.argv[1], ...rest], { stdio: "inherit" });
  child.on("exit", (code) => process.exit(code ?? 1));
} else {
  throw new Error("unknown mode " + mode);
}
`;

/** Writes the lock module (transpiled from this checkout's source) and its script into `dir`; returns the script's path. */
export async function writeLockScript(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const name of ["file-lock", "lock-holder"]) {
    const source = await readFile(fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), "utf8");
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    await writeFile(join(dir, `${name}.js`), js);
  }
  await writeFile(join(dir, "package.json"), '{ "type": "module" }\n');
  await writeFile(join(dir, "lock-script.js"), LOCK_SCRIPT);
  return join(dir, "lock-script.js");
}

/** Waits until `path` exists (a holder's ready file), failing with what the holder printed. */
export async function waitForFile(path: string, output: () => string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms; holder output: ${output()}`);
    await delay(20);
  }
  return readFile(path, "utf8");
}

/** The holder the lock file names, failing when it names none. */
export async function lockHolderOf(lockFile: string): Promise<LockHolder> {
  const text = await readFile(lockFile, "utf8");
  const holder = parseLockHolder(text);
  if (holder === undefined) throw new Error(`${lockFile} names no holder: ${JSON.stringify(text)}`);
  return holder;
}

let holders = 0;

/** A child process on this host holding the lock on `file` through the real module. */
export async function holdInChildProcess(script: string, file: string, heartbeatMs = 50): Promise<{ child: ChildProcess; pid: number }> {
  // Next to the script, so the lock directory holds only what the lock leaves there.
  const ready = join(dirname(script), `ready-${++holders}`);
  let output = "";
  const child = spawn(process.execPath, [script, "hold", file, ready, String(heartbeatMs)], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const pid = Number(await waitForFile(ready, () => output));
  return { child, pid };
}

/** Kills `child` with SIGKILL (no release, as in a crash) and waits until it is gone. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
