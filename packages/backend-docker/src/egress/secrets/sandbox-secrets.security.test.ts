import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerBackend, type DockerBackend, type DockerBackendOptions } from "../../docker-backend.js";
import { egressProxyName } from "../egress-names.js";
import {
  ALLOWED_IP,
  CURL_IMAGE,
  EGRESS_ENGINE,
  NODE_IMAGE,
  WORLD_STATE,
  assertWorldReady,
  egressDocker,
  removeEgressSandbox,
  requestHeader,
  runText,
  worldCa,
  worldRecords,
  worldSaw,
} from "../egress-test-world.test-helpers.js";

// Secretless credentials end to end: the egress test engine (iptables on), the fake internet's
// HTTPS servers (their own CA, trusted by the proxy through upstream_ca_file), curl in the sandbox.
const nonce = () => `n${randomBytes(5).toString("hex")}`;
const REAL = `ghp_${randomBytes(18).toString("hex")}`;
const REAL_OTHER = `sk-${randomBytes(20).toString("hex")}`;
const WORLD_CA = `${WORLD_STATE}/ca-cert.pem`;
const secretsDir = mkdtempSync(join(tmpdir(), "monoclaw-secrets-"));
const otherFile = join(secretsDir, "other-key");
writeFileSync(otherFile, `${REAL_OTHER}\n`);

function secretsBackend(name: string, overrides: Partial<DockerBackendOptions> = {}): DockerBackend {
  return createDockerBackend({
    host: EGRESS_ENGINE,
    image: CURL_IMAGE,
    pull: "never",
    network: "allowlist",
    name,
    idle_timeout: 0,
    egress: { allow: ["allowed.test", "*.allowed.test", "other.test"], preset: "none", proxy_image: NODE_IMAGE, upstream_ca_file: WORLD_CA },
    secrets: {
      GITHUB_TOKEN: { from_env: "MONOCLAW_TEST_GITHUB_TOKEN", hosts: ["allowed.test"] },
      OTHER_KEY: { from_file: otherFile, hosts: ["api.allowed.test"] },
    },
    hostEnv: { ...process.env, MONOCLAW_TEST_GITHUB_TOKEN: REAL },
    ...overrides,
  });
}

const run = runText;

/** What the fake internet's web servers recorded for a request whose URL holds `id`. */
const requestsWith = (id: string) => worldRecords("http.log").filter((entry) => String(entry.url).includes(id));

describe("terminal.docker.secrets (egress test engine, fake internet)", () => {
  const name = `egress-secrets-${process.pid}`;
  let backend: DockerBackend;
  let placeholder = "";

  beforeAll(async () => {
    await assertWorldReady();
    await removeEgressSandbox(name);
    backend = secretsBackend(name);
    placeholder = (await run(backend, 'printf %s "$GITHUB_TOKEN"')).stdout;
    await backend.writeFile("/tmp/world-ca.pem", worldCa());
  }, 120_000);

  afterAll(async () => {
    await backend?.dispose();
    await removeEgressSandbox(name);
    rmSync(secretsDir, { recursive: true, force: true });
  });

  it("hands the sandbox a placeholder shaped like the value, never the value", () => {
    expect(placeholder).toMatch(/^ghp_[0-9a-z]+$/);
    expect(placeholder).toHaveLength(REAL.length);
    expect(placeholder).not.toBe(REAL);
  });

  it("sends the real value to the bound host with plain curl (the proxy's CA is trusted), and the echo comes back as the placeholder", async () => {
    const id = nonce();
    const reply = await run(backend, `curl -sS -H "Authorization: Bearer $GITHUB_TOKEN" https://allowed.test/${id}`);
    expect(reply.stderr).toBe("");
    expect(reply.exitCode).toBe(0);
    const [seen] = requestsWith(id);
    expect(requestHeader(seen, "authorization")).toBe(`Bearer ${REAL}`);
    expect(seen).toMatchObject({ scheme: "https", address: ALLOWED_IP, host: "allowed.test" });
    // The tool's result (what reaches the model, session files and Slack) holds the placeholder only.
    expect(reply.stdout).toContain(placeholder);
    expect(reply.stdout).not.toContain(REAL);
  });

  it("sends a from_file secret inside Basic credentials to its own host", async () => {
    const id = nonce();
    const reply = await run(backend, `curl -sS -u "token:$OTHER_KEY" https://api.allowed.test/${id}`);
    expect(reply.exitCode).toBe(0);
    const authorization = String(requestHeader(requestsWith(id)[0], "authorization"));
    expect(Buffer.from(authorization.replace(/^Basic /, ""), "base64").toString()).toBe(`token:${REAL_OTHER}`);
  });

  it("refuses a placeholder sent to a host bound to another secret, over plain HTTP, and in a body, and the outside never sees them", async () => {
    const wrongHost = nonce();
    const toOther = await run(backend, `curl -sS -w '\\n%{http_code}' -H "Authorization: Bearer $OTHER_KEY" https://allowed.test/${wrongHost}`);
    expect(toOther.stdout).toMatch(/placeholder of secret OTHER_KEY.*exfiltration attempt[\s\S]*403$/);
    const plain = nonce();
    const overHttp = await run(backend, `curl -sS -w '\\n%{http_code}' -H "Authorization: Bearer $GITHUB_TOKEN" http://allowed.test/${plain}`);
    expect(overHttp.stdout).toMatch(/over plain HTTP[\s\S]*403$/);
    const body = nonce();
    const inBody = await run(backend, `curl -sS -w '\\n%{http_code}' -d "token=$GITHUB_TOKEN" https://allowed.test/${body}`);
    expect(inBody.stdout).toMatch(/in the request body[\s\S]*403$/);
    for (const id of [wrongHost, plain, body]) expect(worldSaw(id)).toBe(false);
    // Positive control: the same request without a placeholder arrives.
    const fine = nonce();
    expect((await run(backend, `curl -sS -d "token=none" https://allowed.test/${fine}`)).exitCode).toBe(0);
    expect(requestsWith(fine)[0]?.body).toBe("token=none");
  });

  it("tunnels a host no secret is bound to untouched: it gets the worthless placeholder", async () => {
    const id = nonce();
    const reply = await run(backend, `curl -sS --cacert /tmp/world-ca.pem -H "Authorization: Bearer $GITHUB_TOKEN" https://other.test/${id}`);
    expect(reply.exitCode).toBe(0);
    expect(requestHeader(requestsWith(id)[0], "authorization")).toBe(`Bearer ${placeholder}`);
  });

  it("keeps the real value out of docker inspect, /proc/*/environ and every file in the sandbox", async () => {
    for (const container of [name, egressProxyName(name)]) {
      const info = JSON.stringify(await egressDocker.getContainer(container).inspect());
      expect(info).not.toContain(REAL);
      expect(info).not.toContain(REAL_OTHER);
    }
    // Positive controls first: the search finds what is there.
    const environ = await run(backend, `cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c "$GITHUB_TOKEN"`);
    expect(Number(environ.stdout.trim())).toBeGreaterThan(0);
    const marker = nonce();
    await run(backend, `echo ${marker} > /tmp/marker-file`);
    const search = (needle: string) => run(backend, `grep -rlsF --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev '${needle}' / ; true`);
    expect((await search(marker)).stdout).toContain("/tmp/marker-file");
    for (const secret of [REAL, REAL_OTHER]) {
      expect((await run(backend, `cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c '${secret}'; true`)).stdout.trim()).toBe("0");
      expect((await search(secret)).stdout.trim()).toBe("");
    }
  });

  it("installs the new CA when the proxy restarts with one (the next command recovers)", async () => {
    const before = (await run(backend, "cat /etc/monoclaw/egress-ca.pem")).stdout;
    expect(before).toContain("BEGIN CERTIFICATE");
    await egressDocker.getContainer(egressProxyName(name)).remove({ force: true });
    const id = nonce();
    const reply = await run(backend, `curl -sS -H "Authorization: Bearer $GITHUB_TOKEN" https://allowed.test/${id}`);
    expect(reply.stderr).toBe("");
    expect(requestHeader(requestsWith(id)[0], "authorization")).toBe(`Bearer ${REAL}`);
    const after = (await run(backend, "cat /etc/monoclaw/egress-ca.pem")).stdout;
    expect(after).toContain("BEGIN CERTIFICATE");
    expect(after).not.toBe(before);
  });
});

describe("terminal.docker.secrets: configuration", () => {
  it("fails closed when a secret's source is unset, naming the key and the fix", async () => {
    const name = `egress-secrets-unset-${process.pid}`;
    const backend = secretsBackend(name, { hostEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
    try {
      await expect(backend.exec("true")).rejects.toThrow(
        "terminal.docker.secrets.GITHUB_TOKEN: from_env MONOCLAW_TEST_GITHUB_TOKEN is not set in MonoClaw's environment; export MONOCLAW_TEST_GITHUB_TOKEN=... before starting",
      );
    } finally {
      await backend.dispose();
      await removeEgressSandbox(name);
    }
  });

  it("needs network: allowlist, and refuses a name also in forward_env", () => {
    expect(() => secretsBackend("x", { network: "none" })).toThrow(/terminal\.docker\.secrets needs terminal\.docker\.network: allowlist/);
    expect(() => secretsBackend("x", { forward_env: ["GITHUB_TOKEN"] })).toThrow(
      /GITHUB_TOKEN is in both terminal\.docker\.forward_env and terminal\.docker\.secrets/,
    );
  });

  it("rejects a secret without hosts or with two sources", () => {
    expect(() => secretsBackend("x", { secrets: { A: { from_env: "A", hosts: [] } } })).toThrow(
      /terminal\.docker\.secrets\.A\.hosts: must name at least one host/,
    );
    expect(() => secretsBackend("x", { secrets: { A: { from_env: "A", from_file: "/a", hosts: ["a.test"] } } })).toThrow(
      /terminal\.docker\.secrets\.A: must have exactly one of from_env, from_file or from_command/,
    );
  });
});
