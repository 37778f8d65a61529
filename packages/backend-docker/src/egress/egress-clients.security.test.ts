import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerBackend } from "../docker-backend.js";
import { readEgressLog, type EgressRecord } from "./egress-log.js";
import {
  allowlistSandbox,
  ALLOWED_IP,
  assertWorldReady,
  egressDocker,
  removeEgressSandbox,
  runText,
  worldCa,
  worldRecords,
  worldSaw,
} from "./egress-test-world.test-helpers.js";

/**
 * git over HTTPS and Python's urllib through `network: allowlist` (issue 12,
 * section 6), in the Debian image with git, python3 and ca-certificates that
 * docker/test-images/build.sh makes. The fake internet serves a bare
 * repository over dumb HTTP at /git/hello.git (scripts/egress-test-world.sh).
 */
const CLIENTS_IMAGE = "monoclaw-test/debian-clients:bookworm";
const SERVED_FILE = "hello from the egress test world over git\n";
/** The internet's address is listed too, so the positive controls can reach it through the proxy. */
const ALLOW = ["allowed.test", "*.allowed.test", ALLOWED_IP];
const DENIED_REASON = (port: number) =>
  `refused denied.test:${port}: not in terminal.docker.egress.allow; allow it with: monoclaw config set terminal.docker.egress.allow '${JSON.stringify([...ALLOW, "denied.test"])}'`;
/** The fake internet's certificates are signed by the world's CA; the sandbox gets it as a file. */
const CA = "/tmp/world-ca.pem";
/** git with the world's CA; a clone that cannot connect gives up within the `timeout`. */
const GIT = `timeout 20 env GIT_SSL_CAINFO=${CA} GIT_TERMINAL_PROMPT=0 git`;
/** Prints what each URL answered (or how it failed) as one JSON line; `--direct` opens with proxies disabled. */
const URLLIB_SCRIPT = `
import json, ssl, sys, urllib.error, urllib.request
context = ssl.create_default_context(cafile="${CA}")
handlers = [urllib.request.HTTPSHandler(context=context)]
args = sys.argv[1:]
if args[0] == "--direct":
    handlers.append(urllib.request.ProxyHandler({}))
    args = args[1:]
opener = urllib.request.build_opener(*handlers)
for url in args:
    try:
        with opener.open(url, timeout=8) as response:
            print(json.dumps({"status": response.status, "body": response.read().decode()}))
    except urllib.error.HTTPError as error:
        print(json.dumps({"status": error.code, "body": error.read().decode()}))
    except Exception as error:
        print(json.dumps({"error": type(error).__name__, "message": str(error)}))
`;
const URLLIB = "python3 /tmp/urllib-fetch.py";

const nonce = () => `n${randomBytes(5).toString("hex")}`;
const monoclawHome = mkdtempSync(join(tmpdir(), "monoclaw-egress-clients-home-"));
const name = `egress-clients-${process.pid}`;

interface UrllibAnswer {
  status?: number;
  body?: string;
  error?: string;
  message?: string;
}
const answers = (stdout: string): UrllibAnswer[] =>
  stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as UrllibAnswer);

/** The proxy's own log of its decisions (the sandbox cannot write it). */
async function proxyDecisions(): Promise<EgressRecord[]> {
  const records: EgressRecord[] = [];
  expect(await readEgressLog(egressDocker, name, { onRecord: (record) => records.push(record) })).toBe(true);
  return records;
}

type Session = Awaited<ReturnType<DockerBackend["openSession"]>>;

describe("git over HTTPS and Python's urllib through network: allowlist (egress test engine)", () => {
  let backend: DockerBackend;

  beforeAll(async () => {
    await assertWorldReady();
    await removeEgressSandbox(name);
    backend = allowlistSandbox({ name, image: CLIENTS_IMAGE, allow: ALLOW, monoclawHome });
    await backend.writeFile(CA, worldCa());
    await backend.writeFile("/tmp/urllib-fetch.py", URLLIB_SCRIPT);
  }, 120_000);

  afterAll(async () => {
    await backend?.dispose();
    await removeEgressSandbox(name);
  });

  /** A session, as the agent's bash tool uses: its results carry the refusal notices. */
  async function inSession(body: (session: Session) => Promise<void>): Promise<void> {
    const session = await backend.openSession();
    try {
      await body(session);
    } finally {
      await session.close();
    }
  }

  it("clones a repository with git over HTTPS from an allowed name through the proxy, and the clone holds the served file", async () => {
    const host = `${nonce()}.allowed.test`;
    const clone = await runText(backend, `${GIT} clone -q https://${host}/git/hello.git /tmp/clone-${host} && cat /tmp/clone-${host}/hello.txt`);
    expect(clone.stderr).toBe("");
    expect(clone.exitCode).toBe(0);
    expect(clone.stdout).toBe(SERVED_FILE);
    // The fake internet served the repository's files over HTTPS to that name...
    const served = worldRecords("http.log").filter((r) => r.host === host);
    expect(served.length).toBeGreaterThan(0);
    expect(served.every((r) => r.scheme === "https" && r.address === ALLOWED_IP && String(r.url).startsWith("/git/hello.git/"))).toBe(true);
    expect(served.map((r) => r.url)).toContain("/git/hello.git/info/refs?service=git-upload-pack");
    // ...through a tunnel the proxy allowed (the sandbox has no other way out).
    expect((await proxyDecisions()).some((r) => r.decision === "allowed" && r.method === "CONNECT" && r.host === host && r.port === 443)).toBe(true);
  }, 60_000);

  it("refuses a git clone from a denied name over HTTPS and HTTP: git fails, the command's result names the refused host, and nothing reaches it", async () => {
    const id = nonce();
    await inSession(async (session) => {
      const https = await runText(session, `${GIT} clone -q https://denied.test/${id}/git/hello.git /tmp/denied-https-${id}`);
      expect(https.exitCode).not.toBe(0);
      expect(https.stderr).toContain("CONNECT tunnel failed, response 403");
      expect(https.notices).toEqual([`egress proxy: ${DENIED_REASON(443)}`]);
      const http = await runText(session, `${GIT} clone -q http://denied.test/${id}/git/hello.git /tmp/denied-http-${id}`);
      expect(http.exitCode).not.toBe(0);
      expect(http.stderr).toContain("403");
      expect(http.notices).toEqual([`egress proxy: ${DENIED_REASON(80)}`]);
      expect(worldSaw(id)).toBe(false);
      expect((await runText(session, `test -e /tmp/denied-https-${id}/hello.txt || test -e /tmp/denied-http-${id}/hello.txt; echo $?`)).stdout).toBe("1\n");

      // Positive control: the same clone, from the allowed name, in the same session, arrives and has no notice.
      const allowed = await runText(session, `${GIT} clone -q https://allowed.test/${id}/git/hello.git /tmp/allowed-${id} && cat /tmp/allowed-${id}/hello.txt`);
      expect(allowed.stdout).toBe(SERVED_FILE);
      expect(allowed.notices).toBeUndefined();
      expect(worldSaw(id)).toBe(true);
    });
  }, 60_000);

  it("gets nowhere with git told to ignore the proxy (-c http.proxy=) by name or by address, nor over git://; the same clone through the proxy arrives", async () => {
    const id = nonce();
    const host = `${id}.allowed.test`;
    const byName = await runText(backend, `${GIT} -c http.proxy= clone -q https://${host}/git/hello.git /tmp/direct-name-${id}`);
    expect(byName.exitCode).not.toBe(0);
    expect(byName.stderr).toContain(`Could not resolve host: ${host}`);
    // git's own protocol never uses an HTTP proxy: it dials the name itself.
    const gitProtocol = await runText(backend, `${GIT} clone -q git://${host}/hello.git /tmp/direct-git-${id}`);
    expect(gitProtocol.exitCode).not.toBe(0);
    expect(gitProtocol.stderr).toContain(`unable to look up ${host}`);
    const byAddress = await runText(backend, `${GIT} -c http.proxy= clone -q http://${ALLOWED_IP}/${id}/git/hello.git /tmp/direct-ip-${id}`);
    expect(byAddress.exitCode).not.toBe(0);
    // The sandbox's network has no route to the internet's address (the proxy would have answered at once).
    expect(byAddress.stderr).toContain(`Failed to connect to ${ALLOWED_IP} port 80`);
    // Neither the name's lookup nor a request reached the fake internet.
    expect(worldSaw(id)).toBe(false);

    // Positive control: without -c http.proxy= the same name and the same address arrive (the address is listed).
    const viaProxy = await runText(backend, `${GIT} clone -q https://${host}/git/hello.git /tmp/via-proxy-${id} && cat /tmp/via-proxy-${id}/hello.txt`);
    expect(viaProxy.stdout).toBe(SERVED_FILE);
    expect(worldRecords("dns.log").some((r) => r.name === host)).toBe(true);
    expect(worldRecords("http.log").some((r) => r.host === host)).toBe(true);
    const addressViaProxy = await runText(
      backend,
      `${GIT} clone -q http://${ALLOWED_IP}/${id}/git/hello.git /tmp/via-proxy-ip-${id} && cat /tmp/via-proxy-ip-${id}/hello.txt`,
    );
    expect(addressViaProxy.stdout).toBe(SERVED_FILE);
    expect(worldRecords("http.log").some((r) => r.url === `/${id}/git/hello.git/info/refs?service=git-upload-pack`)).toBe(true);
  }, 120_000);

  it("reaches an allowed name with Python's urllib.request over HTTPS and HTTP through the proxy the variables name", async () => {
    const id = nonce();
    const host = `${id}.allowed.test`;
    const result = await runText(backend, `${URLLIB} https://${host}/py-https http://${host}/py-http`);
    expect(result.stderr).toBe("");
    const [https, http] = answers(result.stdout);
    expect(https?.status).toBe(200);
    expect(JSON.parse(https?.body ?? "")).toMatchObject({ served: "internet", scheme: "https", address: ALLOWED_IP, host, url: "/py-https" });
    expect(http?.status).toBe(200);
    expect(JSON.parse(http?.body ?? "")).toMatchObject({ served: "internet", scheme: "http", address: ALLOWED_IP, host, url: "/py-http" });
    const decisions = await proxyDecisions();
    expect(decisions.some((r) => r.decision === "allowed" && r.method === "CONNECT" && r.host === host && r.port === 443)).toBe(true);
    expect(decisions.some((r) => r.decision === "allowed" && r.method === "GET" && r.host === host && r.port === 80)).toBe(true);
  }, 60_000);

  it("gives Python's urllib the proxy's 403 for a denied name (the reason in the body over HTTP, in the command's result over HTTPS), and nothing reaches it", async () => {
    const id = nonce();
    await inSession(async (session) => {
      const http = await runText(session, `${URLLIB} http://denied.test/${id}`);
      const [refused] = answers(http.stdout);
      expect(refused?.status).toBe(403);
      expect(refused?.body).toContain(DENIED_REASON(80));
      expect(http.notices).toEqual([`egress proxy: ${DENIED_REASON(80)}`]);

      const https = await runText(session, `${URLLIB} https://denied.test/${id}`);
      const [tunnel] = answers(https.stdout);
      expect(tunnel).toMatchObject({ error: "URLError", message: expect.stringContaining("Tunnel connection failed: 403") });
      expect(https.notices).toEqual([`egress proxy: ${DENIED_REASON(443)}`]);
      expect(worldSaw(id)).toBe(false);

      // Positive control: the same request to an allowed name arrives, with no notice.
      const allowed = await runText(session, `${URLLIB} https://allowed.test/${id}`);
      expect(answers(allowed.stdout)[0]?.status).toBe(200);
      expect(allowed.notices).toBeUndefined();
      expect(worldSaw(id)).toBe(true);
    });
  }, 60_000);

  it("gets nowhere with Python's urllib when proxies are disabled (ProxyHandler({})), by name or by address; the proxied opener arrives", async () => {
    const id = nonce();
    const host = `${id}.allowed.test`;
    const direct = await runText(backend, `${URLLIB} --direct https://${host}/${id} http://${ALLOWED_IP}/${id}`);
    const [byName, byAddress] = answers(direct.stdout);
    // No resolver answers inside the sandbox, and its network has no route to the internet's address.
    expect(byName).toMatchObject({ error: "URLError", message: expect.stringContaining("name resolution") });
    expect(byAddress).toMatchObject({ error: "URLError", message: expect.stringContaining("No route to host") });
    // Neither the name's lookup nor a request reached the fake internet.
    expect(worldSaw(id)).toBe(false);

    // Positive control: the default opener (proxy from the variables) reaches the same name and the same (listed) address.
    const proxied = await runText(backend, `${URLLIB} https://${host}/${id} http://${ALLOWED_IP}/${id}`);
    const [nameViaProxy, addressViaProxy] = answers(proxied.stdout);
    expect(JSON.parse(nameViaProxy?.body ?? "")).toMatchObject({ served: "internet", host, url: `/${id}` });
    expect(JSON.parse(addressViaProxy?.body ?? "")).toMatchObject({ served: "internet", address: ALLOWED_IP, url: `/${id}` });
    expect(worldRecords("dns.log").some((r) => r.name === host)).toBe(true);
  }, 60_000);
});
