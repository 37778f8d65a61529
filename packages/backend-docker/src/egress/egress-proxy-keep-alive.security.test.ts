import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rawTlsThroughProxy, startEgressProxyProcess } from "./egress-proxy-process.test-helpers.js";

// The real proxy bundle as a child process on 127.0.0.1 in front of real servers: what the proxy does with
// hop-by-hop headers now that a sandbox's `Connection: close` no longer closes the upstream connection.
const { createCertificateAuthority } = createRequire(import.meta.url)("./proxy/x509.cjs") as {
  createCertificateAuthority(name: string): { certificatePem: string; leafKeyPem: string; leafFor(host: string): string };
};

const REAL = "ghp_R3alS3cretValue0123456789abcdefKEEP";
const PLACEHOLDER = "ghp_PlaceholderValue0123456789abcdeKEEP";

interface Seen {
  server: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  remotePort: number;
}

const seen: Seen[] = [];
const upstreamConnections = { bound: 0, plain: 0 };
const upstreamCa = createCertificateAuthority("keep-alive test upstream CA");
const state = mkdtempSync(join(tmpdir(), "monoclaw-egress-keepalive-"));
const servers: http.Server[] = [];
let proxy: ChildProcess;
let proxyPort = 0;
let boundPort = 0;
let plainPort = 0;

function upstream(name: "bound" | "plain"): Promise<number> {
  const handler: http.RequestListener = (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      seen.push({
        server: name,
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        remotePort: request.socket.remotePort ?? 0,
      });
      // Hop-by-hop headers of the upstream's own: about its connection with the proxy, not the sandbox's.
      if (request.url === "/hop")
        response.setHeader("connection", "keep-alive, x-upstream-hop").setHeader("x-upstream-hop", "1").setHeader("keep-alive", "timeout=5");
      response.setHeader("x-end-to-end", "1");
      response.end(`served ${request.url}\n`);
    });
  };
  const server =
    name === "bound" ? https.createServer({ key: upstreamCa.leafKeyPem, cert: upstreamCa.leafFor("localhost") }, handler) : http.createServer(handler);
  server.on("connection", () => upstreamConnections[name]++);
  servers.push(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

/** Raw bytes in one TLS connection through a CONNECT tunnel the proxy terminates; all it answered until it closed. */
const rawTls = (bytes: string) => rawTlsThroughProxy(proxyPort, boundPort, bytes, readFileSync(join(state, "ca.pem"), "utf8"));

const request = (path: string, headers: string[], body = "") =>
  [`GET ${path} HTTP/1.1`, `Host: localhost:${boundPort}`, `Authorization: Bearer ${PLACEHOLDER}`, ...headers, "", body].join("\r\n");

beforeAll(async () => {
  boundPort = await upstream("bound");
  plainPort = await upstream("plain");
  ({ child: proxy, port: proxyPort } = await startEgressProxyProcess(state, () => undefined));
  const policy = JSON.stringify({
    sandbox: "keep-alive-box",
    allow: [`localhost:${boundPort}`, `localhost:${plainPort}`],
    deny: [],
    allow_private: ["127.0.0.0/8"],
    host_addresses: [],
    secrets: [{ name: "GITHUB_TOKEN", placeholder: PLACEHOLDER, value: REAL, hosts: [`localhost:${boundPort}`] }],
    upstream_ca: upstreamCa.certificatePem,
  });
  writeFileSync(join(state, "policy.json"), policy);
  const hash = createHash("sha256").update(policy).digest("hex");
  for (let i = 0; i < 100 && !(existsSync(join(state, "applied")) && readFileSync(join(state, "applied"), "utf8") === hash); i++) {
    proxy.kill("SIGHUP");
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
});

afterAll(() => {
  proxy?.kill("SIGKILL");
  for (const server of servers) server.close();
  rmSync(state, { recursive: true, force: true });
});

beforeEach(() => {
  seen.length = 0;
});

describe("egress proxy: hop-by-hop headers and kept-alive upstream connections", () => {
  it("serves terminated requests that ask Connection: close from one kept-alive upstream connection, and still closes each sandbox connection", async () => {
    const before = upstreamConnections.bound;
    // rawTls resolves when the proxy closed the sandbox's connection: the sandbox's Connection: close holds.
    const first = await rawTls(request("/first", ["Connection: close"]));
    const second = await rawTls(request("/second", ["Connection: close"]));
    expect(first).toMatch(/^HTTP\/1\.1 200 [\s\S]*\r\nConnection: close\r\n[\s\S]*served \/first/);
    expect(second).toContain("served /second");
    expect(seen.map((s) => [s.url, s.headers.authorization, s.headers.connection])).toEqual([
      ["/first", `Bearer ${REAL}`, "keep-alive"],
      ["/second", `Bearer ${REAL}`, "keep-alive"],
    ]);
    expect(seen[1]?.remotePort).toBe(seen[0]?.remotePort);
    expect(upstreamConnections.bound - before).toBeLessThanOrEqual(1);
  });

  it.each([
    ["content-length", (body: string) => [[`Content-Length: ${body.length}`], body] as const],
    ["transfer-encoding", (body: string) => [["Transfer-Encoding: chunked"], `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`] as const],
  ])(
    "never lets Connection: %s unframe a body on the kept-alive upstream connection (a body that reads as a request is not smuggled in front of the next one)",
    async (header, framed) => {
      // A GET with a body: without its framing the upstream would read this body as a request of its own, ahead of the next request and its secret.
      const smuggled = `GET /smuggled HTTP/1.1\r\nHost: localhost:${boundPort}\r\nContent-Length: 400\r\n\r\n`;
      const [framing, body] = framed(smuggled);
      const answer = await rawTls(request("/framed", [`Connection: close, ${header}`, ...framing], body));
      expect(answer).toContain("served /framed");
      const after = await rawTls(request("/after", ["Connection: close"]));
      expect(after).toContain("served /after");
      expect(seen.map((s) => s.url)).toEqual(["/framed", "/after"]);
      expect(seen[0]?.body).toBe(smuggled);
      expect(seen[1]?.headers.authorization).toBe(`Bearer ${REAL}`);
    },
  );

  it("forwards none of the request headers its Connection header lists, over TLS and plain HTTP (the other headers arrive)", async () => {
    await rawTls(request("/listed", ["Connection: close, x-sandbox-hop", "X-Sandbox-Hop: 1", "X-End-To-End: 1"]));
    const plain = await new Promise<number>((resolve, reject) => {
      const sent = http.request(
        {
          host: "127.0.0.1",
          port: proxyPort,
          path: `http://localhost:${plainPort}/listed-plain`,
          headers: { connection: "close, x-sandbox-hop", "x-sandbox-hop": "1", "x-end-to-end": "1", "keep-alive": "timeout=1" },
        },
        (reply) => resolve(reply.resume().statusCode ?? 0),
      );
      sent.on("error", reject);
      sent.end();
    });
    expect(plain).toBe(200);
    expect(seen.map((s) => s.url)).toEqual(["/listed", "/listed-plain"]);
    for (const request of seen) {
      expect(request.headers["x-end-to-end"]).toBe("1");
      expect(request.headers["x-sandbox-hop"]).toBeUndefined();
      expect(request.headers["keep-alive"]).toBeUndefined();
    }
  });

  it("hands the sandbox none of the upstream's hop-by-hop response headers (Keep-Alive, the ones its Connection lists)", async () => {
    const answer = await rawTls(request("/hop", ["Connection: close"]));
    const head = answer.slice(0, answer.indexOf("\r\n\r\n")).toLowerCase();
    expect(head).toContain("x-end-to-end: 1");
    expect(head).toContain("connection: close");
    expect(head).not.toContain("x-upstream-hop");
    expect(head).not.toContain("keep-alive");
  });
});
