// The egress tests' fake internet: a DNS server and HTTP/HTTPS servers that run
// inside the "internet" network namespace made by scripts/egress-test-world.sh.
// Plain Node, no dependencies. Every DNS query, HTTP request and UDP packet is
// recorded as one JSON line under the state directory, so tests can prove what
// reached (or never reached) the outside.
//
//   node internet.mjs <state-dir>
//
// Names (A records, TTL 0):
//   allowed.test, *.allowed.test -> 198.19.0.10     denied.test -> 198.19.0.11
//   other.test                   -> 198.19.0.12     loopback.test -> 127.0.0.1
//   metadata.test -> 169.254.169.254                private.test -> 10.0.0.1
//   enginehost.test -> 198.18.64.1 (the engine's docker0 gateway)
//   mapped.test -> AAAA ::ffff:127.0.0.1 only       nat64.test -> AAAA 64:ff9b::a9fe:a9fe only
//   <anything>.rebind.test -> 198.19.0.10 on its first A query, then 127.0.0.1,
//                             then 169.254.169.254, repeating (per name)
//   everything else: NXDOMAIN (still recorded)
//
// Git over dumb HTTP on every web server (HTTP and HTTPS): GET
// /git/<repo>.git/<file> serves that file of <state-dir>/git/<repo>.git, a bare
// repository the world script made and ran `git update-server-info` in;
// /<tag>/git/<repo>.git/<file> is the same, so a test can mark its requests.
import { createSocket } from "node:dgram";
import { appendFileSync, readFileSync, statSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { join, normalize, sep } from "node:path";

const stateDir = process.argv[2];
if (!stateDir) throw new Error("usage: node internet.mjs <state-dir>");

const SERVED_ADDRESSES = ["198.19.0.10", "198.19.0.11", "198.19.0.12"];
const DNS_ADDRESS = "198.19.0.53";
const UDP_SINK_PORT = 9999;

const record = (file, entry) => appendFileSync(join(stateDir, file), `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

const STATIC_A = {
  "allowed.test": "198.19.0.10",
  "denied.test": "198.19.0.11",
  "other.test": "198.19.0.12",
  "loopback.test": "127.0.0.1",
  "metadata.test": "169.254.169.254",
  "private.test": "10.0.0.1",
  "enginehost.test": "198.18.64.1",
};
const STATIC_AAAA = {
  "mapped.test": "::ffff:127.0.0.1",
  "nat64.test": "64:ff9b::a9fe:a9fe",
};
const REBIND_CYCLE = ["198.19.0.10", "127.0.0.1", "169.254.169.254"];
const rebindCount = new Map();

function answerFor(name, type) {
  if (type === 1) {
    if (name.endsWith(".rebind.test")) {
      const count = rebindCount.get(name) ?? 0;
      rebindCount.set(name, count + 1);
      return { kind: "A", value: REBIND_CYCLE[count % REBIND_CYCLE.length] };
    }
    if (name.endsWith(".allowed.test")) return { kind: "A", value: STATIC_A["allowed.test"] };
    if (STATIC_A[name]) return { kind: "A", value: STATIC_A[name] };
  }
  if (type === 28 && STATIC_AAAA[name]) return { kind: "AAAA", value: STATIC_AAAA[name] };
  const known = STATIC_A[name] || STATIC_AAAA[name] || name.endsWith(".rebind.test") || name.endsWith(".allowed.test");
  return known ? { kind: "empty" } : { kind: "nxdomain" };
}

function parseQuestion(msg) {
  const labels = [];
  let offset = 12;
  while (offset < msg.length && msg[offset] !== 0) {
    const length = msg[offset];
    labels.push(msg.subarray(offset + 1, offset + 1 + length).toString("latin1"));
    offset += length + 1;
  }
  const type = msg.readUInt16BE(offset + 1);
  return { name: labels.join(".").toLowerCase(), type, end: offset + 5 };
}

/** The two AAAA answers, as wire bytes (no general IPv6 parser needed). */
const AAAA_BYTES = {
  "::ffff:127.0.0.1": Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]),
  "64:ff9b::a9fe:a9fe": Buffer.from([0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 0xa9, 0xfe, 0xa9, 0xfe]),
};

const dns = createSocket("udp4");
dns.on("message", (msg, peer) => {
  if (msg.length < 17) return;
  const { name, type, end } = parseQuestion(msg);
  const answer = answerFor(name, type);
  record("dns.log", { name, type, from: peer.address, answer: answer.value ?? answer.kind });
  const header = Buffer.alloc(12);
  msg.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8180 | (answer.kind === "nxdomain" ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  const hasRecord = answer.kind === "A" || answer.kind === "AAAA";
  header.writeUInt16BE(hasRecord ? 1 : 0, 6);
  const question = msg.subarray(12, end);
  let rr = Buffer.alloc(0);
  if (hasRecord) {
    const data = answer.kind === "A" ? Buffer.from(answer.value.split(".").map(Number)) : AAAA_BYTES[answer.value];
    rr = Buffer.alloc(12 + data.length);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(type, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(0, 6);
    rr.writeUInt16BE(data.length, 10);
    data.copy(rr, 12);
  }
  dns.send(Buffer.concat([header, question, rr]), peer.port, peer.address);
});
dns.bind(53, DNS_ADDRESS);

const udpSink = createSocket("udp4");
udpSink.on("message", (msg, peer) => record("udp.log", { from: peer.address, bytes: msg.length, text: msg.toString("utf8").slice(0, 200) }));
udpSink.bind(UDP_SINK_PORT, "198.19.0.10");

const GIT_ROUTE = /^\/(?:[A-Za-z0-9_-]+\/)?git\/([A-Za-z0-9_-]+\.git)\/([A-Za-z0-9_./-]+)$/;
const gitRoot = join(stateDir, "git");

/** The file of a served repository a dumb-HTTP git client asked for; null: none (404); undefined: not a git URL. */
function gitFile(url) {
  const match = GIT_ROUTE.exec(url.split("?")[0]);
  if (!match) return undefined;
  const repo = join(gitRoot, match[1]);
  const file = normalize(join(repo, match[2]));
  if (!file.startsWith(repo + sep)) return null;
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

/** Echoes the request as JSON; `/bytes/N` streams N zero bytes (benchmarks); `/git/...` serves a repository. */
function handler(scheme, localAddress) {
  return (request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const entry = {
        scheme,
        address: localAddress,
        from: request.socket.remoteAddress,
        method: request.method,
        host: request.headers.host,
        url: request.url,
        headers: request.headers,
        body,
      };
      record("http.log", entry);
      const git = gitFile(request.url ?? "");
      if (git !== undefined) {
        if (git === null || request.method !== "GET") return void response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
        const content = readFileSync(git);
        response.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(content.length) });
        return void response.end(content);
      }
      const bytes = /^\/bytes\/(\d+)$/.exec(request.url ?? "");
      if (bytes) {
        const total = Number(bytes[1]);
        response.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(total) });
        const block = Buffer.alloc(64 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            const size = Math.min(block.length, total - sent);
            sent += size;
            if (!response.write(size === block.length ? block : block.subarray(0, size))) return void response.once("drain", pump);
          }
          response.end();
        };
        return pump();
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        `${JSON.stringify({ ok: true, served: "internet", scheme, address: localAddress, host: request.headers.host, url: request.url, headers: request.headers, body })}\n`,
      );
    });
  };
}

const tls = { key: readFileSync(join(stateDir, "server-key.pem")), cert: readFileSync(join(stateDir, "server-cert.pem")) };
for (const address of SERVED_ADDRESSES) {
  createHttpServer(handler("http", address)).listen(80, address);
  createHttpServer(handler("http", address)).listen(8080, address);
  createHttpsServer(tls, handler("https", address)).listen(443, address);
}
record("internet.log", { started: true, pid: process.pid });
