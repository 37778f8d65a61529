// A Docker engine owned by the soak bench: its own dockerd (data root, exec
// root, socket, pid file under one directory), without iptables or a bridge
// (the soak's containers use `network: none`) and in its own network
// namespace, so the bench can restart it mid-run without touching the
// machine's shared engine. Needs root.
import { spawn, execFile } from "node:child_process";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Starts dockerd under `dir`; `restart()` stops and starts it again, `close()` stops it and removes its files. */
export async function startSoakEngine(dir) {
  const socket = join(dir, "docker.sock");
  const host = `unix://${socket}`;
  const log = createWriteStream(join(dir, "dockerd.log"), { flags: "a" });
  let daemon;

  const up = async () => {
    // In a network namespace of its own: a dockerd with --bridge=none deletes the docker0 interface it
    // finds, which in the machine's namespace belongs to the main engine. unshare execs dockerd (same pid).
    daemon = spawn(
      "unshare",
      [
        "--net",
        "dockerd",
        "--data-root",
        join(dir, "data"),
        "--exec-root",
        join(dir, "exec"),
        "--pidfile",
        join(dir, "dockerd.pid"),
        "-H",
        host,
        "--iptables=false",
        "--ip-masq=false",
        "--bridge=none",
        "--cgroup-parent",
        "monoclaw-soak",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    daemon.stdout.pipe(log, { end: false });
    daemon.stderr.pipe(log, { end: false });
    const exited = new Promise((resolve) => daemon.once("exit", resolve));
    daemon.exited = exited;
    for (let i = 0; i < 120; i++) {
      if (daemon.exitCode !== null) throw new Error(`the soak's dockerd exited at start (code ${daemon.exitCode}); see ${join(dir, "dockerd.log")}`);
      if (
        await run("docker", ["-H", host, "version", "--format", "{{.Server.Version}}"]).then(
          () => true,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the soak's dockerd did not answer within 30 s; see ${join(dir, "dockerd.log")}`);
  };

  const down = async () => {
    if (!daemon || daemon.exitCode !== null || daemon.signalCode !== null) return;
    daemon.kill("SIGTERM");
    const timer = setTimeout(() => daemon.kill("SIGKILL"), 30_000);
    await daemon.exited;
    clearTimeout(timer);
  };

  await up();
  return {
    host,
    /** Copies an image from the machine's engine into this one. */
    async loadImage(image) {
      await run("sh", ["-c", `docker save "$1" | docker -H "$2" load`, "sh", image, host], { maxBuffer: 1 << 20 });
    },
    async restart() {
      await down();
      await up();
    },
    async close() {
      await down();
      log.end();
      // dockerd unmounts its layers on a clean stop; anything still mounted (an unclean stop) must go before the files can.
      await run("sh", ["-c", `grep -o " $1[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l`, "sh", dir]).catch(() => undefined);
      await rm(join(dir, "data"), { recursive: true, force: true });
      await rm(join(dir, "exec"), { recursive: true, force: true });
      // The cgroup parent dockerd made (cgroup v1: one per controller); rmdir leaves it while another soak's containers use it.
      await run("sh", ["-c", 'for d in /sys/fs/cgroup/*/monoclaw-soak /sys/fs/cgroup/monoclaw-soak; do [ -d "$d" ] && rmdir "$d"; done; true']).catch(
        () => undefined,
      );
    },
  };
}
