import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

const SSHD = "/usr/sbin/sshd";

/** A running OpenSSH sshd on 127.0.0.1; see {@link startLocalSshd}. */
export interface LocalSshd {
  port: number;
  /** `type base64` of the server's host key, as a known_hosts line ends. */
  hostKey: string;
  /** Stops sshd and removes its files. */
  stop(): Promise<void>;
}

/**
 * Starts OpenSSH's own sshd on 127.0.0.1 (a free port, a fresh host key, key
 * authentication only) that lets in the holders of `authorizedKeys` (public
 * key lines), for tests and benchmarks of `ssh://` engines. Run as root it
 * admits root. Rejects, with sshd's output, when sshd is missing or does not
 * start; `docker/test-images/build.sh` installs it.
 */
export async function startLocalSshd(authorizedKeys: string): Promise<LocalSshd> {
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} is missing: run \`bash docker/test-images/build.sh\` (it installs Debian's openssh-server)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "monoclaw-sshd-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_key")], { stdio: "pipe" });
  writeFileSync(join(dir, "authorized_keys"), authorizedKeys, { mode: 0o600 });
  const port = await freePort();
  writeFileSync(
    join(dir, "sshd_config"),
    [
      "ListenAddress 127.0.0.1",
      `Port ${port}`,
      `HostKey ${join(dir, "host_key")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "PermitRootLogin prohibit-password",
      "",
    ].join("\n"),
  );
  // Run as root, sshd needs its privilege separation directory.
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const sshd = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  sshd.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => sshd.once("exit", () => resolve()));
  const stop = async () => {
    if (sshd.exitCode === null && sshd.signalCode === null) {
      sshd.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; !(await accepts(port)); attempt++) {
    if (sshd.exitCode !== null || attempt > 200) {
      await stop();
      throw new Error(`sshd did not start on 127.0.0.1:${port}:\n${log}`);
    }
    await delay(50);
  }
  const hostKey = readFileSync(join(dir, "host_key.pub"), "utf8").split(" ").slice(0, 2).join(" ");
  return { port, hostKey, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
