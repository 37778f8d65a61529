import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { BUSYBOX } from "./docker.test-helpers.js";
import type { PodmanTestEngine } from "./podman.test-helpers.js";

/**
 * A rootful Podman API service of a test's own, on its own socket, store
 * (vfs) and containers.conf under a temp dir: a test can give it the settings
 * that break Podman on this machine without touching the shared services of
 * scripts/ensure-podman.sh. `CONTAINERS_CONF` makes it read only that file.
 */
export interface OwnPodmanService extends PodmanTestEngine {
  /** Removes its containers, then ends the service (by its pid). */
  stop(): Promise<void>;
}

/** The `[containers]` and `[engine]` settings a test can break; the rest fit this machine as ensure-podman.sh's drop-in does. */
export interface PodmanSettings {
  defaultUlimits?: string[];
  runtime?: string;
  /** Hides /usr/libexec/podman (catatonit) from the service with a tmpfs in a mount namespace of its own. */
  hideInitBinary?: boolean;
}

/** A hard limit of this machine (`ulimit -Hn` open files, `ulimit -Hu` processes), as a number. */
export function hardLimit(which: "open files" | "processes"): number {
  const text = execFileSync("bash", ["-c", which === "open files" ? "ulimit -Hn" : "ulimit -Hu"], { encoding: "utf8" }).trim();
  return text === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(text);
}

/** A store with the busybox test image, shared by the services one test file starts one after another. */
export function createPodmanStore(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "monoclaw-own-podman-"));
  execFileSync("sh", ["-c", `podman save -q ${BUSYBOX} | podman ${storeFlags(dir).join(" ")} load -q`], { cwd: "/", stdio: ["ignore", "ignore", "inherit"] });
  return {
    dir,
    remove() {
      endLeftoverProcesses(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --tmpdir too: libpod's tmp_dir in containers.conf is not read by the service, and /run/libpod is the shared service's.
function storeFlags(dir: string): string[] {
  return ["--root", join(dir, "root"), "--runroot", join(dir, "runroot"), "--tmpdir", join(dir, "tmp"), "--storage-driver", "vfs"];
}

/**
 * Podman leaves a conmon per exec session for 5 minutes after it ends (to keep its exit code), even when the
 * container is gone: this store's ones are ended by pid, found by the store's own directory in their command line.
 */
function endLeftoverProcesses(dir: string): void {
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    if (!commandLine.split("\0").some((arg) => arg.startsWith(`${dir}/`))) continue;
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // ended meanwhile
    }
  }
}

let services = 0;

/** Starts a Podman API service on `store` with `settings` and waits until it answers. */
export async function startOwnPodman(store: string, settings: PodmanSettings = {}): Promise<OwnPodmanService> {
  const dir = join(store, `service-${++services}`);
  mkdirSync(dir);
  const socket = join(dir, "podman.sock");
  const conf = join(dir, "containers.conf");
  const ulimits = settings.defaultUlimits ?? ["nofile=20000:20000", "nproc=4096:4096"];
  writeFileSync(
    conf,
    [
      "[containers]",
      `default_ulimits = ${JSON.stringify(ulimits)}`,
      "[engine]",
      `runtime = ${JSON.stringify(settings.runtime ?? "runc")}`,
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      "",
    ].join("\n"),
  );
  const service = ["podman", ...storeFlags(store), "system", "service", "--time=0", `unix://${socket}`];
  // unshare execs the shell, which execs podman: one pid to end.
  const command = settings.hideInitBinary
    ? ["unshare", "-m", "--propagation", "private", "sh", "-c", `mount -t tmpfs none /usr/libexec/podman && exec ${service.join(" ")}`]
    : service;
  const log = join(dir, "service.log");
  const child = spawn(command[0]!, command.slice(1), {
    cwd: "/",
    env: { ...process.env, CONTAINERS_CONF: conf },
    stdio: ["ignore", openSync(log, "a"), openSync(log, "a")],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const client = new Docker({ socketPath: socket });
  await waitForAnswer(client, child, log);
  return {
    label: "Podman of the test's own",
    socket,
    host: `unix://${socket}`,
    client,
    async stop() {
      const all = await client.listContainers({ all: true }).catch(() => []);
      await Promise.all(
        all.map((c) =>
          client
            .getContainer(c.Id)
            .remove({ force: true, v: true })
            .catch(() => undefined),
        ),
      );
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function waitForAnswer(client: Docker, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the test's Podman service exited ${child.exitCode}: ${readFileSync(log, "utf8").slice(-500)}`);
    if (
      await client.ping().then(
        () => true,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline) throw new Error(`the test's Podman service did not answer within 30 s: ${readFileSync(log, "utf8").slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
