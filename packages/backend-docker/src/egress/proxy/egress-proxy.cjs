// @ts-check
// MonoClaw's egress proxy: the only member of a sandbox's --internal network
// with a way out. Plain Node, no dependencies, so it runs in any image that has
// `node` (MonoClaw starts it as `node -e <this file>`).
//
// - HTTP CONNECT (any allowed port) and plain HTTP forwarding (absolute-form).
// - The requested name is matched against the policy (deny wins), resolved ONCE,
//   every resolved address is checked, and the checked address is the one
//   dialled: DNS rebinding cannot swap it.
// - Refused: loopback, link-local, cloud metadata, RFC 1918, CGNAT, ULA,
//   multicast/reserved, the proxy's own networks and gateways (the engine's
//   host as the containers see it), listed host addresses, and the IPv4-mapped,
//   NAT64 and 6to4 forms of all of these - unless a CIDR in allow_private holds
//   the address. A literal IP is reached only when listed in allow.
// - Policy: JSON in POLICY_FILE, re-read on SIGHUP (live changes); until one is
//   loaded everything is refused. Each load writes its hash to APPLIED_FILE.
// - Secrets (secret-injection.cjs): for a host a secret is bound to, the
//   proxy terminates TLS with its own per-sandbox CA (x509.cjs) and puts the
//   real value where the sandbox sent the placeholder; every other host is
//   tunnelled untouched.
// - Every decision is one JSON line on stdout (the engine keeps it; the sandbox
//   cannot write it).
"use strict";
const net = require("node:net");
const http = require("node:http");
const https = require("node:https");
const tls = require("node:tls");
const dns = require("node:dns");
const fs = require("node:fs");
const os = require("node:os");
const crypto = require("node:crypto");
const zlib = require("node:zlib");

/* global __monoclawModules */
// In the proxy container the sibling files arrive bundled (egress-proxy-source.ts); in tests they are files.
const local = (name) => (typeof __monoclawModules !== "undefined" ? __monoclawModules(name) : require(name));
const { createCertificateAuthority } = local("./x509.cjs");
const secretInjection = local("./secret-injection.cjs");
const { connectUpstream } = local("./upstream-tunnel.cjs");

const STATE_DIR = process.env.MONOCLAW_EGRESS_STATE_DIR || "/run/monoclaw-egress";
const POLICY_FILE = `${STATE_DIR}/policy.json`;
const APPLIED_FILE = `${STATE_DIR}/applied`;
const PORT = Number(process.env.MONOCLAW_EGRESS_PORT || 3128);
const CA_FILE = `${STATE_DIR}/ca.pem`;
const CONNECT_TIMEOUT_MS = 10_000;
/** Keys the policy hash in records (see loadPolicy). */
const RECORD_KEY = crypto.randomBytes(32);
const DEFAULT_PORTS = [80, 443];

// ---------------------------------------------------------------- addresses

/** @param {string} text @returns {bigint | undefined} */
function ipv4ToBig(text) {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

/** @param {string} text @returns {bigint | undefined} */
function ipv6ToBig(text) {
  let address = text.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (v4) {
    const big = ipv4ToBig(v4[1]);
    if (big === undefined) return undefined;
    address = address.slice(0, -v4[1].length) + `${(big >> 16n).toString(16)}:${(big & 0xffffn).toString(16)}`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array(Math.max(fill, 0)).fill("0"), ...tail];
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

/** An address as { family, value } (IPv6 forms that carry an IPv4 address are unwrapped). */
function parseAddress(text) {
  const v4 = ipv4ToBig(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = ipv6ToBig(text);
  if (v6 === undefined) return undefined;
  const embedded = embeddedIpv4(v6);
  return embedded !== undefined ? { family: 4, value: embedded, wrapped: true } : { family: 6, value: v6 };
}

/** IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and 6to4 (2002::/16). */
function embeddedIpv4(v6) {
  if (v6 >> 32n === 0xffffn) return v6 & 0xffffffffn;
  if (v6 >> 32n === 0n && v6 > 1n) return v6 & 0xffffffffn;
  if (v6 >> 32n === 0x0064ff9b0000000000000000n) return v6 & 0xffffffffn;
  if (v6 >> 80n === 0x0064ff9b0001n) return v6 & 0xffffffffn;
  if (v6 >> 112n === 0x2002n) return (v6 >> 80n) & 0xffffffffn;
  return undefined;
}

/** @param {string} cidr */
function parseCidr(cidr) {
  const [base, bitsText] = cidr.split("/");
  const address = parseAddress(base);
  if (!address) return undefined;
  const width = address.family === 4 ? 32 : 128;
  let bits = bitsText === undefined ? width : Number(bitsText);
  if (address.wrapped && bitsText !== undefined) bits -= 96;
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return undefined;
  return { family: address.family, bits, network: address.value >> BigInt(width - bits), text: cidr };
}

function inCidr(address, cidr) {
  if (address.family !== cidr.family) return false;
  const width = address.family === 4 ? 32 : 128;
  return address.value >> BigInt(width - cidr.bits) === cidr.network;
}

/** Never reachable unless allow_private holds the address. */
const REFUSED_RANGES = [
  ["0.0.0.0/8", "this network"],
  ["10.0.0.0/8", "private (RFC 1918)"],
  ["100.64.0.0/10", "carrier-grade NAT"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.169.254/32", "cloud metadata"],
  ["169.254.0.0/16", "link-local"],
  ["172.16.0.0/12", "private (RFC 1918)"],
  ["192.0.0.0/24", "IETF protocol assignments"],
  ["192.168.0.0/16", "private (RFC 1918)"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["fd00:ec2::254/128", "cloud metadata"],
  ["fc00::/7", "unique local (ULA)"],
  ["fe80::/10", "link-local"],
  ["ff00::/8", "multicast"],
].map(([cidr, why]) => ({ ...parseCidr(cidr), why }));

/** The proxy's own networks and gateways: the engine's host and the other containers as this container sees them. */
function ownNetworks() {
  const ranges = [];
  for (const entries of Object.values(os.networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.internal || !entry.cidr) continue;
      const cidr = parseCidr(entry.cidr);
      if (cidr) ranges.push({ ...cidr, why: "a network the sandbox's engine host is on" });
    }
  }
  try {
    for (const line of fs.readFileSync("/proc/net/route", "utf8").split("\n").slice(1)) {
      const gateway = line.split(/\s+/)[2];
      if (!gateway || gateway === "00000000") continue;
      const bytes = Buffer.from(gateway, "hex").reverse();
      const cidr = parseCidr(`${[...bytes].join(".")}/32`);
      if (cidr) ranges.push({ ...cidr, why: "the engine's host (gateway)" });
    }
  } catch {
    // No /proc/net/route: the interface subnets above still cover the gateways.
  }
  return ranges;
}

/** Why this address may not be dialled, or undefined when it may. */
function refusalOf(addressText, policy) {
  const address = parseAddress(addressText);
  if (!address) return "not an IP address";
  if (policy.allowPrivate.some((cidr) => inCidr(address, cidr))) return undefined;
  const hit = [...REFUSED_RANGES, ...policy.hostRanges, ...ownRanges].find((range) => inCidr(address, range));
  return hit ? `${addressText} is ${hit.why}` : undefined;
}

// ---------------------------------------------------------------- policy

/** A rule: `name`, `*.suffix`, literal IP, each with an optional `:port`. */
function parseRule(text) {
  const trimmed = String(text).trim().toLowerCase();
  let host = trimmed;
  let port;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  if (bracketed) {
    host = bracketed[1];
    port = bracketed[2];
  } else if (/^[^:]+:\d+$/.test(trimmed)) {
    [host, port] = trimmed.split(":");
  }
  return { text: String(text), host, port: port === undefined ? undefined : Number(port) };
}

function ruleMatches(rule, host, port, ports) {
  const portOk = rule.port !== undefined ? rule.port === port : ports.includes(port);
  if (!portOk) return false;
  if (rule.host.startsWith("*.")) return host.endsWith(rule.host.slice(1));
  if (parseAddress(rule.host) && parseAddress(host))
    return parseAddress(rule.host).value === parseAddress(host).value && parseAddress(rule.host).family === parseAddress(host).family;
  return rule.host === host;
}

let ownRanges = ownNetworks();
let policy = compilePolicy(undefined);

function compilePolicy(raw) {
  const source = raw ?? { allow: [], deny: [], allow_private: [], host_addresses: [], sandbox: "", loaded: false };
  return {
    loaded: raw !== undefined,
    sandbox: String(source.sandbox ?? ""),
    // The user's own list (without the preset): what "allow it with: monoclaw config set ..." keeps.
    allowTexts: (source.config_allow ?? source.allow ?? []).map(String),
    allow: (source.allow ?? []).map(parseRule),
    deny: (source.deny ?? []).map(parseRule),
    allowPrivate: (source.allow_private ?? []).map(parseCidr).filter(Boolean),
    hostRanges: (source.host_addresses ?? []).map((a) => ({ ...parseCidr(a), why: "the engine's host" })).filter((r) => r.family),
    secrets: (source.secrets ?? []).map(compileSecret),
    // Who made the sandbox, so a refusal names the fix in that tool's terms (mom's docker.sh has no monoclaw config).
    madeBy: source.made_by === "docker.sh" ? "docker.sh" : "monoclaw",
    // Extra CAs for upstream TLS where the proxy terminates it (egress.upstream_ca_file); the system's roots otherwise.
    // One agent per policy: upstream connections are kept alive across requests, a policy change (another
    // upstream CA) never reuses a connection the old one trusted, and a context with the ~140 system roots is
    // built once, not per request (tens of ms).
    upstreamAgent: new https.Agent({
      keepAlive: true,
      ...(source.upstream_ca ? { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, String(source.upstream_ca)] }) } : {}),
    }),
  };
}

/** A bound secret: `hosts` are rules like allow's (a name or `*.domain`, port 443 unless given). */
function compileSecret(raw) {
  const hosts = (raw.hosts ?? []).map(parseRule);
  return {
    name: String(raw.name),
    placeholder: String(raw.placeholder),
    value: String(raw.value),
    hostTexts: hosts.map((rule) => rule.text),
    binds: (host, port) => hosts.some((rule) => ruleMatches(rule, host, port, [443])),
  };
}

function loadPolicy() {
  try {
    const text = fs.readFileSync(POLICY_FILE, "utf8");
    const previous = policy;
    policy = compilePolicy(JSON.parse(text));
    previous.upstreamAgent.destroy();
    ownRanges = ownNetworks();
    const hash = crypto.createHash("sha256").update(text).digest("hex");
    fs.writeFileSync(APPLIED_FILE, hash);
    // Secrets by name and hosts, never by value; the recorded hash is keyed with this process's own key,
    // so it tells policies apart but nobody can recompute it to test guesses of a (short) value.
    const secrets = policy.secrets.map((secret) => ({ name: secret.name, hosts: secret.hostTexts }));
    const fingerprint = crypto.createHmac("sha256", RECORD_KEY).update(text).digest("hex");
    record({ event: "policy", allow: policy.allowTexts, deny: policy.deny.map((r) => r.text), secrets, hash: fingerprint.slice(0, 16) });
  } catch (error) {
    if (error?.code === "ENOENT") return;
    record({ event: "policy-error", error: String(error?.message) });
  }
}

/** The setting behind one list of the policy, as the tool that made the sandbox names it. */
function settingName(key) {
  if (policy.madeBy === "docker.sh") return { allow: "MOM_EGRESS_ALLOW", deny: "MOM_EGRESS_DENY" }[key] ?? `egress ${key} (docker.sh has no setting for it)`;
  return `terminal.docker.egress.${key}`;
}

/** The exact command that sets one list of the policy to `list`, in the terms of the tool that made the sandbox. */
function setCommand(key, list) {
  if (policy.madeBy !== "docker.sh") return `monoclaw config set terminal.docker.egress.${key} '${JSON.stringify(list)}'`;
  const variable = { allow: "MOM_EGRESS_ALLOW", deny: "MOM_EGRESS_DENY" }[key];
  if (!variable) return `a sandbox monoclaw makes (terminal.docker.egress.${key}); docker.sh has no setting for it`;
  return `./docker.sh remove, then ${variable}='${list.join(",")}' ./docker.sh create <data-dir> with the sandbox's other MOM_* settings`;
}

/** How to allow a host: the exact command, with the current list kept. */
function allowCommand(host, port) {
  const entry = DEFAULT_PORTS.includes(port) ? host : `${host}:${port}`;
  return setCommand("allow", [...policy.allowTexts.filter((t) => t !== entry), entry]);
}

/** Decides on a name and port: { allowed, rule, reason }. */
function decide(host, port) {
  if (!policy.loaded)
    return {
      allowed: false,
      rule: "no policy loaded",
      reason: `refused ${host}:${port}: the egress policy is not loaded yet (MonoClaw loads it when it starts the sandbox)`,
    };
  // RFC 6761: no .invalid name can exist, so it is refused before any rule or lookup (doctor's probe asks for one).
  if (host === "invalid" || host.endsWith(".invalid"))
    return { allowed: false, rule: "invalid name", reason: `refused ${host}:${port}: .invalid names never exist (RFC 6761); refused without a lookup` };
  const deny = policy.deny.find((rule) => ruleMatches(rule, host, port, rule.port === undefined ? [port] : []));
  if (deny)
    return {
      allowed: false,
      rule: `deny ${deny.text}`,
      reason: `refused ${host}:${port}: ${settingName("deny")} has "${deny.text}"; remove it with: ${setCommand(
        "deny",
        policy.deny.map((r) => r.text).filter((t) => t !== deny.text),
      )}`,
    };
  const allow = policy.allow.find((rule) => ruleMatches(rule, host, port, DEFAULT_PORTS));
  if (!allow) {
    const what = parseAddress(host) ? `a literal IP address that ${settingName("allow")} does not list` : `not in ${settingName("allow")}`;
    return { allowed: false, rule: "not allowed", reason: `refused ${host}:${port}: ${what}; allow it with: ${allowCommand(host, port)}` };
  }
  return { allowed: true, rule: `allow ${allow.text}` };
}

/** Resolves once and returns the first address that may be dialled, or a refusal naming the address. */
function resolveChecked(host, callback) {
  const literal = host.replace(/^\[|\]$/g, "");
  if (net.isIP(literal)) {
    const why = refusalOf(literal, policy);
    return callback(
      why
        ? {
            reason: `refused ${host}: ${why}; allow it with: ${setCommand("allow_private", [...policy.allowPrivate.map((c) => c.text), literal])}`,
          }
        : undefined,
      literal,
    );
  }
  dns.lookup(host, { all: true, verbatim: true }, (error, addresses) => {
    if (error || !addresses || addresses.length === 0)
      return callback({ reason: `refused ${host}: the name does not resolve (${error ? error.code : "no address"})`, rule: "unresolvable" });
    const usable = addresses.find((a) => !refusalOf(a.address, policy));
    if (usable) return callback(undefined, usable.address);
    const first = addresses[0].address;
    callback({
      reason: `refused ${host}: it resolves to ${refusalOf(first, policy)}; allow it with: ${setCommand("allow_private", [...policy.allowPrivate.map((c) => c.text), `${first}/${net.isIPv6(first) ? 128 : 32}`])}`,
      rule: "private address",
    });
  });
}

// ---------------------------------------------------------------- serving

function record(entry) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), sandbox: policy ? policy.sandbox : "", ...entry })}\n`);
}

/** `host:port` of a CONNECT target or a URL authority. */
function splitAuthority(authority, defaultPort) {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(authority);
  if (bracketed) return { host: bracketed[1].toLowerCase(), port: Number(bracketed[2] ?? defaultPort) };
  const index = authority.lastIndexOf(":");
  if (index > 0 && /^\d+$/.test(authority.slice(index + 1)))
    return { host: authority.slice(0, index).toLowerCase().replace(/\.$/, ""), port: Number(authority.slice(index + 1)) };
  return { host: authority.toLowerCase().replace(/\.$/, ""), port: defaultPort };
}

function refuseHttp(response, host, port, method, rule, reason, extra = {}) {
  record({ decision: "refused", method, host, port, rule, reason, ...extra });
  // The upstream answered before the body was refused: the answer is cut off, the connection closed.
  if (response.headersSent) return response.destroy();
  const body = `MonoClaw egress: ${reason}\n`;
  response.writeHead(403, {
    "content-type": "text/plain; charset=utf-8",
    "x-monoclaw-egress": "refused",
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  response.end(body);
}

function refuseConnect(socket, host, port, rule, reason, extra = {}) {
  record({ decision: "refused", method: "CONNECT", host, port, rule, reason, ...extra });
  const body = `MonoClaw egress: ${reason}\n`;
  socket.end(
    `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nX-MonoClaw-Egress: refused\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Checks name, then address; calls `onAllowed(address, rule)` or refuses through `refuse(rule, reason)`. */
function authorize(host, port, refuse, onAllowed) {
  const decision = decide(host, port);
  if (!decision.allowed) return refuse(decision.rule, decision.reason);
  resolveChecked(host, (refusal, address) => {
    if (refusal) return refuse(refusal.rule ?? "literal address", refusal.reason);
    onAllowed(address, decision.rule);
  });
}

/** The refusal of a request that carries a placeholder where it may not go. */
function exfiltrationReason(secret, host, port, where) {
  const bound = policy.secrets.find((s) => s.name === secret)?.hostTexts ?? [];
  return `refused ${host}:${port}: the request carries the placeholder of secret ${secret} ${where}, but ${secret} is bound only to ${bound.join(", ") || "no host"} over HTTPS (in credential headers only); recorded as an exfiltration attempt`;
}

/**
 * Passes a request body on through a placeholder scanner: a placeholder in a
 * body is never sent (it is substituted in headers only). Calls `onFound` once
 * with the secret's name and stops forwarding.
 */
function forwardBody(request, upstream, onFound, counter) {
  const scanner = secretInjection.placeholderScanner(policy.secrets);
  let stopped = false;
  const check = () => {
    if (stopped || !scanner.found) return false;
    stopped = true;
    upstream.destroy();
    onFound(scanner.found);
    return true;
  };
  request.on("data", (chunk) => {
    counter.up += chunk.length;
    if (stopped) return;
    const safe = scanner.push(chunk);
    if (check()) return;
    if (safe.length && !upstream.write(safe)) request.pause();
  });
  upstream.on("drain", () => request.resume());
  request.on("end", () => {
    if (stopped) return;
    const rest = scanner.end();
    if (check()) return;
    upstream.end(rest);
  });
}

/** Decoders for the content codings an upstream may send although the proxy asked for identity. */
const DECODERS = { gzip: zlib.createGunzip, "x-gzip": zlib.createGunzip, deflate: zlib.createInflate, br: zlib.createBrotliDecompress };

/**
 * The body of a terminated request's response as the scrubber must see it:
 * decoded when the upstream compressed it anyway (a value inside gzip is not
 * recognisable), or an error naming a coding the proxy cannot read.
 */
function decodedBody(upstreamResponse, method) {
  const coding = String(upstreamResponse.headers["content-encoding"] ?? "identity")
    .trim()
    .toLowerCase();
  const transfer = String(upstreamResponse.headers["transfer-encoding"] ?? "chunked").toLowerCase();
  if (transfer.split(",").some((t) => t.trim() !== "chunked"))
    return { error: `the response's Transfer-Encoding ${transfer} cannot be checked for a secret's value` };
  const status = upstreamResponse.statusCode ?? 0;
  if (coding === "identity" || method === "HEAD" || status === 204 || status === 304) return { body: upstreamResponse };
  const decoder = Object.hasOwn(DECODERS, coding) ? DECODERS[coding]() : undefined;
  if (!decoder) return { error: `the response's Content-Encoding ${coding} cannot be checked for a secret's value` };
  upstreamResponse.on("error", (error) => decoder.destroy(error));
  return { body: upstreamResponse.pipe(decoder), decoded: true };
}

/**
 * Pipes an upstream response back, real secret values (and `echoes`, their
 * re-encoded forms) turned into their placeholders. `checked`: a response to a
 * request the proxy put a secret into could hold its value, so its body is decoded first.
 */
function returnResponse(upstreamResponse, response, counter, onEnd, { checked = false, method = "GET", echoes = [] } = {}) {
  const scrubber = secretInjection.valueScrubber(policy.secrets, echoes);
  const headers = secretInjection.scrubHeaders(upstreamResponse.headers, policy.secrets, echoes);
  // The upstream's keep-alive is the proxy's: how the sandbox's connection goes on is for Node to answer to the sandbox's request.
  for (const name of hopByHopNames(upstreamResponse.rawHeaders)) delete headers[name];
  const { body, decoded, error } = checked ? decodedBody(upstreamResponse, method) : { body: upstreamResponse };
  upstreamResponse.on("data", (chunk) => (counter.down += chunk.length));
  if (!body) {
    upstreamResponse.destroy();
    response.writeHead(502, { "content-type": "text/plain; charset=utf-8", connection: "close" });
    response.end(`MonoClaw egress: ${error}\n`);
    return onEnd(error);
  }
  if (decoded) {
    delete headers["content-encoding"];
    delete headers["content-length"];
  }
  response.writeHead(upstreamResponse.statusCode ?? 502, headers);
  body.on("data", (chunk) => {
    const safe = scrubber.push(chunk);
    if (safe.length && !response.write(safe)) body.pause();
  });
  response.on("drain", () => body.resume());
  body.on("error", () => response.destroy());
  body.on("end", () => {
    response.end(scrubber.end());
    onEnd();
  });
}

/** Forwards one request (plain HTTP, or HTTPS the proxy terminated) to the checked address. */
function forward(request, response, target) {
  const { host, port, address, rule, method, secure, headers, substituted, echoes } = target;
  const counter = { up: 0, down: 0 };
  const refuse = (secret) =>
    refuseHttp(response, host, port, method, "exfiltration", exfiltrationReason(secret, host, port, "in the request body"), { secret });
  const send = secure ? https.request : http.request;
  const upstream = send(
    {
      host: address,
      port,
      method,
      path: target.path,
      headers,
      setHost: false,
      timeout: CONNECT_TIMEOUT_MS,
      ...(secure ? { servername: net.isIP(host) ? undefined : host, agent: policy.upstreamAgent } : {}),
    },
    (upstreamResponse) =>
      returnResponse(
        upstreamResponse,
        response,
        counter,
        (error) =>
          record({
            decision: error ? "failed" : "allowed",
            ...(error ? { error } : {}),
            method,
            host,
            port,
            address,
            rule,
            ...(secure ? { tls: "terminated" } : {}),
            ...(substituted.length ? { secrets: substituted } : {}),
            bytes_up: counter.up,
            bytes_down: counter.down,
          }),
        { checked: secure, method, echoes },
      ),
  );
  upstream.on("timeout", () => upstream.destroy(new Error("timed out")));
  upstream.on("error", (error) => {
    if (response.writableEnded) return;
    record({ decision: "failed", method, host, port, address, rule, error: error.message });
    if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" });
    response.end(`MonoClaw egress: ${host}:${port} (${address}) did not answer: ${error.message}\n`);
  });
  forwardBody(request, upstream, refuse, counter);
}

/** Never dropped although a Connection header lists them: the body's framing (see hopByHopNames). */
const FRAMING_HEADERS = ["content-length", "transfer-encoding"];

/**
 * The hop-by-hop header names of a message (RFC 9110 7.6.1): Connection, Keep-Alive,
 * Proxy-Connection and every name its Connection header lists, lower-cased.
 * They are about one connection, so a proxy drops them: the sandbox's
 * `Connection: close` then closes the sandbox's connection only, and the
 * kept-alive upstream connection serves its next request (a new TCP and TLS
 * handshake with the upstream each time cost a terminated request +30 ms).
 * Except the framing: `Connection: content-length` would send a body without
 * its length on a kept-alive upstream connection, where the upstream reads the
 * body as the start of another request, one that could swallow the next
 * request with a real secret in it (request smuggling).
 * @param {string[]} rawHeaders
 */
function hopByHopNames(rawHeaders) {
  const names = new Set(["connection", "keep-alive", "proxy-connection"]);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() !== "connection") continue;
    for (const option of rawHeaders[i + 1].split(",").map((name) => name.trim().toLowerCase())) if (!FRAMING_HEADERS.includes(option)) names.add(option);
  }
  return names;
}

/** Raw headers without the hop-by-hop ones and Proxy-Authorization, Host set to the checked name. */
function forwardedHeaders(rawHeaders, authority) {
  const hopByHop = hopByHopNames(rawHeaders);
  const headers = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (hopByHop.has(name) || name === "proxy-authorization" || name === "host") continue;
    headers.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  return ["Host", authority, ...headers];
}

const server = http.createServer((request, response) => {
  let url;
  try {
    url = new URL(request.url ?? "");
  } catch {
    response.writeHead(400, { "content-type": "text/plain" });
    return response.end("MonoClaw egress proxy: send requests in absolute form (http://host/path) or use CONNECT\n");
  }
  const method = request.method ?? "GET";
  if (url.protocol !== "http:")
    return refuseHttp(response, url.hostname, Number(url.port || 0), method, "scheme", `refused ${url.href}: only http:// is forwarded; use CONNECT for https`);
  const { host, port } = splitAuthority(url.host, 80);
  const carried = secretInjection.placeholderInRequest(request.url ?? "", request.rawHeaders, policy.secrets);
  if (carried)
    return refuseHttp(response, host, port, method, "exfiltration", exfiltrationReason(carried.name, host, port, "over plain HTTP"), { secret: carried.name });
  authorize(
    host,
    port,
    (rule, reason) => refuseHttp(response, host, port, method, rule, reason),
    (address, rule) =>
      // Host is the checked name: another Host on the same address (a CDN's other customer) is not reachable by fronting.
      forward(request, response, {
        host,
        port,
        address,
        rule,
        method,
        secure: false,
        path: `${url.pathname}${url.search}`,
        headers: forwardedHeaders(request.rawHeaders, url.host),
        substituted: [],
      }),
  );
});

/** Request headers a terminated request loses (see below). */
const TERMINATED_DROPPED_HEADERS = ["accept-encoding", "range", "if-range"];

/** Serves the HTTPS requests of CONNECT tunnels the proxy terminated (hosts a secret is bound to). */
const terminated = http.createServer((request, response) => {
  const tunnel = request.socket.monoclawTunnel;
  const { host, port } = tunnel;
  const method = request.method ?? "GET";
  const refuse = (rule, reason, extra) => refuseHttp(response, host, port, method, rule, reason, extra);
  const servername = request.socket.servername;
  if (!net.isIP(host) && servername !== host)
    return refuse("server name", `refused ${host}:${port}: the TLS server name (${servername || "none"}) is not the host of the CONNECT request`);
  const hostHeader = splitAuthority(String(request.headers.host ?? ""), port);
  if (hostHeader.host !== host || hostHeader.port !== port)
    return refuse(
      "host header",
      `refused ${host}:${port}: the Host header (${request.headers.host ?? "none"}) does not agree with the TLS server name ${host}`,
    );
  if (!(request.url ?? "").startsWith("/")) return refuse("request form", `refused ${host}:${port}: send requests in origin form (/path) inside the tunnel`);
  const inUrl = secretInjection.placeholderInRequest(request.url ?? "", [], policy.secrets);
  if (inUrl) return refuse("exfiltration", exfiltrationReason(inUrl.name, host, port, "in the URL"), { secret: inUrl.name });
  const injected = secretInjection.injectSecrets(request.rawHeaders, host, port, policy.secrets);
  const { header, credential } = injected.foreign ?? {};
  if (injected.foreign)
    return refuse(
      "exfiltration",
      exfiltrationReason(injected.foreign.secret, host, port, `in the ${header} header${credential ? "" : ", which is not a credential header"}`),
      {
        secret: injected.foreign.secret,
      },
    );
  // identity: the proxy must see a real value that comes back, to turn it into the placeholder again;
  // no Range: a slice of an echo may hold part of a value, which the scrubber cannot recognise.
  const dropped = (name) => TERMINATED_DROPPED_HEADERS.includes(name.toLowerCase());
  const headers = forwardedHeaders(injected.headers, String(request.headers.host)).filter((_, i, all) =>
    i % 2 === 0 ? !dropped(all[i]) : !dropped(all[i - 1]),
  );
  headers.push("Accept-Encoding", "identity");
  forward(request, response, {
    host,
    port,
    address: tunnel.address,
    rule: tunnel.rule,
    method,
    secure: true,
    path: request.url,
    headers,
    substituted: injected.substituted,
    echoes: injected.echoes,
  });
});

/** One TLS context per bound host, made again when the CA renews the host's leaf certificate. */
const leafContexts = new Map();
function leafContextFor(host) {
  const cert = authority.leafFor(host);
  const cached = leafContexts.get(host);
  if (cached?.cert === cert) return cached.context;
  const context = tls.createSecureContext({ key: authority.leafKeyPem, cert });
  leafContexts.set(host, { cert, context });
  return context;
}

/** Answers a CONNECT for a host a secret is bound to with TLS of its own (a leaf of the sandbox's CA). */
function terminate(client, head, host, port, address, rule) {
  client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  if (head.length) client.unshift(head);
  const secure = new tls.TLSSocket(client, {
    isServer: true,
    secureContext: leafContextFor(host),
    ALPNProtocols: ["http/1.1"],
  });
  secure.monoclawTunnel = { host, port, address, rule };
  secure.on("error", (error) => {
    record({ decision: "failed", method: "CONNECT", host, port, address, rule, tls: "terminated", error: error.message });
    secure.destroy();
  });
  terminated.emit("connection", secure);
}

server.on("connect", (request, client, head) => {
  const { host, port } = splitAuthority(request.url ?? "", 443);
  client.on("error", () => undefined);
  const carried = secretInjection.placeholderInRequest(request.url ?? "", request.rawHeaders, policy.secrets);
  if (carried)
    return refuseConnect(client, host, port, "exfiltration", exfiltrationReason(carried.name, host, port, "in the CONNECT request"), { secret: carried.name });
  authorize(
    host,
    port,
    (rule, reason) => refuseConnect(client, host, port, rule, reason),
    (address, rule) => {
      if (policy.secrets.some((secret) => secret.binds(host, port))) return terminate(client, head, host, port, address, rule);
      let up = head.length;
      let down = 0;
      const upstream = connectUpstream({ address, port, timeoutMs: CONNECT_TIMEOUT_MS, client, onBytes: (n) => (down += n) });
      upstream.once("connect", () => {
        upstream.setTimeout(0);
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (head.length) upstream.write(head);
        client.on("data", (chunk) => (up += chunk.length));
        client.pipe(upstream);
      });
      upstream.on("timeout", () => upstream.destroy(new Error("timed out")));
      upstream.on("error", (error) => {
        if (!client.writableEnded && down === 0 && up === head.length)
          client.end(
            `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nMonoClaw egress: ${host}:${port} (${address}) did not answer: ${error.message}\n`,
          );
        else client.destroy();
      });
      upstream.on("close", () => {
        client.destroy();
        record({ decision: "allowed", method: "CONNECT", host, port, address, rule, bytes_up: up, bytes_down: down });
      });
      client.on("close", () => upstream.destroy());
    },
  );
});

/** Only the sandbox's network may reach the proxy: its address in that subnet (every address when none is given). */
function listenAddress(subnet) {
  const cidr = subnet ? parseCidr(subnet) : undefined;
  if (!cidr) return "0.0.0.0";
  for (const entries of Object.values(os.networkInterfaces())) {
    for (const entry of entries ?? []) {
      const address = parseAddress(entry.address);
      if (address && inCidr(address, cidr)) return entry.address;
    }
  }
  throw new Error(`no interface in ${subnet}: the proxy is not on the sandbox's network`);
}

/** This proxy's certificate authority: made at start, its key only in this process's memory. */
let authority;

function main() {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  authority = createCertificateAuthority(`MonoClaw egress CA ${crypto.randomBytes(4).toString("hex")}`);
  // MonoClaw copies the certificate (never the key) into the sandbox's trust store.
  fs.writeFileSync(CA_FILE, authority.certificatePem, { mode: 0o644 });
  loadPolicy();
  process.on("SIGHUP", loadPolicy);
  process.on("SIGTERM", () => process.exit(0));
  process.on("SIGINT", () => process.exit(0));
  const listen = listenAddress(process.env.MONOCLAW_EGRESS_LISTEN_SUBNET);
  server.listen(PORT, listen, () => record({ event: "listening", address: listen, port: server.address().port }));
}

module.exports = {
  parseAddress,
  parseCidr,
  refusalOf,
  decide,
  compilePolicy,
  parseRule,
  ruleMatches,
  setPolicy: (raw) => (policy = compilePolicy(raw)),
  splitAuthority,
};
if (require.main === module || module.id === "[eval]" || process.env.MONOCLAW_EGRESS_MAIN === "1") main();
