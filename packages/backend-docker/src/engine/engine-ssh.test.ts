import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { startLocalSshd, type LocalSshd } from "@monoclaw/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerBackend } from "../docker-backend.js";
import { processDiscoveryEnvironment } from "./discovery-environment.js";
import { connectEngine } from "./engine-discovery.js";
import { BUSYBOX, containerNames, text, waitFor } from "../docker.test-helpers.js";

/**
 * A remote engine over SSH, for real: OpenSSH's sshd on 127.0.0.1 with its own
 * host key and authorized key, where `docker system dial-stdio` reaches the
 * local engine, as on a build box.
 */
const names = containerNames("mc-test-ssh");
const dir = mkdtempSync(join(tmpdir(), "monoclaw-ssh-"));
const user = userInfo().username;
let sshd: LocalSshd;
let port = 0;
let url = "";

function keygen(file: string, passphrase = ""): string {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "monoclaw-test", "-f", file], { stdio: "pipe" });
  return readFileSync(`${file}.pub`, "utf8").trim();
}

/** A home directory as a user has it: ~/.ssh with a key and a known_hosts file. */
function makeHome(name: string, files: { key?: string; knownHosts?: string }): string {
  const home = join(dir, name);
  mkdirSync(join(home, ".ssh"), { recursive: true, mode: 0o700 });
  if (files.key !== undefined) {
    writeFileSync(join(home, ".ssh", "id_ed25519"), readFileSync(files.key), { mode: 0o600 });
  }
  if (files.knownHosts !== undefined) writeFileSync(join(home, ".ssh", "known_hosts"), files.knownHosts);
  return home;
}

let hostKeyLine = "";
const clientKey = join(dir, "client_key");
const strangerKey = join(dir, "stranger_key");

beforeAll(async () => {
  const authorized = keygen(clientKey);
  keygen(strangerKey);
  sshd = await startLocalSshd(`${authorized}\n`);
  port = sshd.port;
  hostKeyLine = sshd.hostKey;
  url = `ssh://${user}@127.0.0.1:${port}`;
});

afterAll(async () => {
  await names.cleanup();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("an ssh:// engine endpoint (OpenSSH's sshd on 127.0.0.1)", () => {
  it("is reached as the current user with the key in ~/.ssh and a known host key, and runs commands, sessions and files", async () => {
    const home = makeHome("trusted", { key: clientKey, knownHosts: `[127.0.0.1]:${port} ${hostKeyLine}\n` });
    const asCurrentUser = `ssh://127.0.0.1:${port}`;
    const backend = createDockerBackend({
      image: BUSYBOX,
      network: "none",
      pull: "never",
      name: names.next(),
      host: asCurrentUser,
      hostEnv: { HOME: home },
      idle_timeout: 0,
    });
    try {
      const connection = await backend.engine();
      expect(connection.endpoint).toMatchObject({ url: asCurrentUser, source: "terminal.docker.host" });
      expect(text((await backend.exec("echo over ssh")).stdout.head)).toBe("over ssh\n");
      const session = await backend.openSession();
      await session.exec("cd /tmp");
      expect(text((await session.exec("pwd")).stdout.head)).toBe("/tmp\n");
      await session.close();
      await backend.writeFile("ssh.bin", Buffer.from([0, 1, 2, 255]));
      expect([...(await backend.readFile("ssh.bin"))]).toEqual([0, 1, 2, 255]);
      const engineCheck = (await backend.healthChecks()).find((check) => check.id === "docker.engine");
      expect(engineCheck?.message).toContain(`${asCurrentUser}, found by terminal.docker.host`);
    } finally {
      await backend.dispose();
    }
  });

  it("refuses a server whose host key is not in known_hosts, or is another one, saying how to check it", async () => {
    const strangerLine = readFileSync(`${strangerKey}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
    for (const [name, knownHosts] of [
      ["unknown", ""],
      ["impostor", `[127.0.0.1]:${port} ${strangerLine}\n`],
    ] as const) {
      const home = makeHome(name, { key: clientKey, knownHosts });
      const error = await connectEngine(processDiscoveryEnvironment({ HOME: home }, url)).catch((caught: unknown) => caught as Error);
      expect(error).toMatchObject({ name: "BackendError", code: "UNAVAILABLE" });
      expect((error as Error).message).toContain(
        `terminal.docker.host (${url}): the server's host key is not in ~/.ssh/known_hosts, or does not match it: run \`ssh -p ${port} ${user}@127.0.0.1\` once to check and accept it`,
      );
    }
  });

  it("says which keys it tried when the server accepts none of them", async () => {
    const home = makeHome("stranger", { key: strangerKey, knownHosts: `[127.0.0.1]:${port} ${hostKeyLine}\n` });
    const error = await connectEngine(processDiscoveryEnvironment({ HOME: home }, url)).catch((caught: unknown) => caught as Error);
    expect((error as Error).message).toContain(`terminal.docker.host (${url}): no key was accepted (tried the SSH agent and ~/.ssh/id_rsa`);
    expect((error as Error).message).toContain(`check that \`ssh -p ${port} ${user}@127.0.0.1 docker version\` works`);
  });

  it("uses the keys of the SSH agent (SSH_AUTH_SOCK) when ~/.ssh has no usable key file", async () => {
    const agentSocket = join(dir, "agent.sock");
    const agent = spawn("ssh-agent", ["-D", "-a", agentSocket], { stdio: "ignore" });
    try {
      await waitFor(() => existsSync(agentSocket), 10_000, "ssh-agent's socket");
      execFileSync("ssh-add", [clientKey], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket }, stdio: "pipe" });
      const home = makeHome("agent", { knownHosts: `[127.0.0.1]:${port} ${hostKeyLine}\n` });
      const connection = await connectEngine(processDiscoveryEnvironment({ HOME: home, SSH_AUTH_SOCK: agentSocket }, url));
      expect((await connection.docker.version()).ApiVersion).toBe(connection.apiVersion);
    } finally {
      agent.kill();
    }
  });

  it("leaves a passphrase-protected key to the SSH agent instead of failing on it", async () => {
    const locked = join(dir, "locked_key");
    keygen(locked, "secret");
    const home = makeHome("locked", { key: locked, knownHosts: `[127.0.0.1]:${port} ${hostKeyLine}\n` });
    const error = await connectEngine(processDiscoveryEnvironment({ HOME: home }, url)).catch((caught: unknown) => caught as Error);
    expect((error as Error).message).toContain("no key was accepted");
  });
});
