import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { stat } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { temporaryDirectory } from "./config.test-helpers.js";
import { FileLockTimeoutError, withFileLock } from "./file-lock.js";
import { lockHolderOf, waitForFile, writeLockScript } from "./file-lock.test-helpers.js";
import { isSameNamespace, processStartTime } from "./lock-holder.js";

// `~/.monoclaw` mounted into the runtime container (docker/README.md): the
// host and the container edit config.yaml under one lock, but a pid written
// in one pid namespace names another process, or none, in the other. A real
// holder runs in a real container (own pid namespace, network none) with the
// lock directory bind-mounted; the waiter is this process on the host.

const PREFIX = `mc-test-core-lock-${process.pid}-`;
const IMAGE = "monoclaw-test/node:20";
const HEARTBEAT_MS = 100;
const STALE_MS = 1_500;
let counter = 0;
let dir: { path: string; cleanup: () => Promise<void> };
let name: string;
let file: string;
let script: string;

function docker(...args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Docker without blocking this process's event loop (the lock's heartbeat runs on it). */
async function dockerAsync(...args: string[]): Promise<string> {
  return (await promisify(execFile)("docker", args, { encoding: "utf8" })).stdout;
}

/** True when no process here has this pid. */
function absentHere(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** A pid no process on this host has, small enough for a fresh namespace to reach quickly. */
function pidAbsentOnHost(): number {
  const taken = new Set(
    readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number),
  );
  for (let pid = 40; pid < 2_000; pid++) if (!taken.has(pid) && absentHere(pid)) return pid;
  throw new Error("every pid from 40 to 2000 is in use on this host; the test needs one that is not");
}

/** `docker run` arguments for the lock script in a container: its own pid namespace, network none, the lock directory mounted. */
function lockScriptInContainer(runOption: "-d" | "--rm", ...args: string[]): string[] {
  const mounts = ["-v", `${join(dir.path, "locks")}:/locks`, "-v", `${dirname(script)}:/module:ro`];
  return ["run", runOption, "--name", name, "--network", "none", ...mounts, IMAGE, "node", `/module/${basename(script)}`, ...args];
}

/** Starts a container whose process takes the lock on `/locks/config.yaml`; `asPid` makes the holder that pid inside. */
async function holdInContainer(asPid?: number): Promise<{ pid: number }> {
  const hold = ["hold", "/locks/config.yaml", "/locks/ready", String(HEARTBEAT_MS)];
  docker(...lockScriptInContainer("-d", ...(asPid === undefined ? hold : ["launch", String(asPid), ...hold])));
  return { pid: Number(await waitForFile(join(dir.path, "locks", "ready"), () => docker("logs", name))) };
}

/** SIGKILLs the container's processes (no release, as in a crash) and waits until the engine reports it stopped. */
function killContainer(): void {
  docker("kill", name);
  docker("wait", name);
}

beforeEach(async () => {
  dir = await temporaryDirectory();
  name = `${PREFIX}${++counter}`;
  file = join(dir.path, "locks", "config.yaml");
  script = await writeLockScript(join(dir.path, "module"));
  await withFileLock(file, async () => undefined); // creates the directory
});
afterEach(async () => {
  docker("rm", "-f", name);
  await dir.cleanup();
});
afterAll(() => {
  const leftovers = docker("ps", "-aq", "--filter", `name=${PREFIX}`).split("\n").filter(Boolean);
  if (leftovers.length > 0) docker("rm", "-f", ...leftovers);
});

describe("withFileLock with a holder in a container's pid namespace (real engine, network none)", () => {
  it("never takes over the lock of a live container holder whose pid does not exist on the host, and takes it over once its heartbeat stops", async () => {
    const target = pidAbsentOnHost();
    const { pid } = await holdInContainer(target);
    expect(pid).toBe(target);
    const holder = await lockHolderOf(`${file}.lock`);
    expect(holder).toMatchObject({ pid: target });
    expect(isSameNamespace(holder)).toBe(false);
    // Positive control: this pid names no process here, so a pid check would have called the holder dead.
    expect(absentHere(target)).toBe(true);

    const firstBeat = (await stat(`${file}.lock`)).mtimeMs;
    const error = await withFileLock(file, async () => "stolen", { timeoutMs: 3 * STALE_MS, staleMs: STALE_MS }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FileLockTimeoutError);
    expect((error as FileLockTimeoutError).holderPid).toBeUndefined();
    expect((error as Error).message).toBe(
      `${file}.lock is held by process ${target} on ${holder.host} (another container or machine, so that pid means nothing here), which is editing the same file. ` +
        `Try again when it is done; it is taken over ${STALE_MS / 1000} s after its holder stops refreshing it, or delete ${file}.lock if no such process is running.`,
    );
    // Still the container's lock, kept fresh by its heartbeat for longer than staleMs.
    expect((await lockHolderOf(`${file}.lock`)).token).toBe(holder.token);
    expect((await stat(`${file}.lock`)).mtimeMs).toBeGreaterThan(firstBeat);
    expect(docker("inspect", "-f", "{{.State.Running}}", name).trim()).toBe("true");
    expect(absentHere(target)).toBe(true);

    killContainer();
    const lastBeat = (await stat(`${file}.lock`)).mtimeMs;
    const takenAt = await withFileLock(file, async () => Date.now(), { timeoutMs: 10 * STALE_MS, staleMs: STALE_MS });
    expect(takenAt - lastBeat).toBeGreaterThanOrEqual(STALE_MS);
    expect(takenAt - lastBeat).toBeLessThan(STALE_MS + 3_000);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("takes over the lock of a dead container holder whose pid (1) is a live host process, once its heartbeat is older than staleMs", async () => {
    const { pid } = await holdInContainer();
    expect(pid).toBe(1);
    const holder = await lockHolderOf(`${file}.lock`);
    expect(holder.pidNamespace).not.toBe(undefined);
    expect(isSameNamespace(holder)).toBe(false);
    // Positive controls: pid 1 is alive here (so a pid check would wait forever) and the live holder blocks.
    expect(absentHere(1)).toBe(false);
    expect(processStartTime(1)).not.toBe(undefined);
    await expect(withFileLock(file, async () => "stolen", { timeoutMs: 2 * STALE_MS, staleMs: STALE_MS })).rejects.toThrow(
      `held by process 1 on ${holder.host}`,
    );

    killContainer();
    const lastBeat = (await stat(`${file}.lock`)).mtimeMs;
    expect((await lockHolderOf(`${file}.lock`)).token).toBe(holder.token); // killed, so never released
    await delay(50);
    const takenAt = await withFileLock(file, async () => Date.now(), { timeoutMs: 10 * STALE_MS, staleMs: STALE_MS });
    expect(takenAt - lastBeat).toBeGreaterThanOrEqual(STALE_MS);
    expect(takenAt - lastBeat).toBeLessThan(STALE_MS + 3_000);
  });

  it("never lets a container waiter take the lock of a live host holder whose pid does not exist in the container", async () => {
    const inContainer = (...args: string[]) => dockerAsync(...lockScriptInContainer("--rm", ...args));
    const waiterSaw = await withFileLock(
      file,
      async () => {
        const hostPid = (await lockHolderOf(`${file}.lock`)).pid;
        // Positive control: inside, the host's pid names no process, so a pid check there would call us dead.
        const probe = await dockerAsync("run", "--rm", "--network", "none", IMAGE, "sh", "-c", `kill -0 ${hostPid} 2>/dev/null && echo alive || echo absent`);
        expect(probe.trim()).toBe("absent");
        // Asynchronous, so this process's heartbeat keeps running while the container waits.
        return inContainer("try", "/locks/config.yaml", String(3 * STALE_MS), String(STALE_MS));
      },
      { heartbeatMs: HEARTBEAT_MS },
    );
    expect(waiterSaw.trim()).toMatch(
      new RegExp(`^/locks/config\\.yaml\\.lock is held by process \\d+ on ${hostname()} \\(another container or machine, so that pid means nothing here\\)`),
    );
    // Once the host released it, the container takes it at once.
    expect((await inContainer("try", "/locks/config.yaml", "1000", "60000")).trim()).toBe("took it");
  });
});
