#!/usr/bin/env node
// What network: allowlist costs: HTTPS through MonoClaw's egress proxy vs the same request on bridge, in one run.
// Reproduce (root): bash scripts/ensure-docker.sh && bash docker/test-images/build.sh && bash scripts/egress-test-world.sh \
//   && pnpm turbo build --filter @monoclaw/backend-docker... && node bench/egress.mjs
// Options (env): BENCH_RUNS (default 50, small requests), BENCH_DOWNLOAD_RUNS (default 3), BENCH_DOWNLOAD_MB (default 100),
// BENCH_COMPARE_REV (a git revision: its proxy and this tree's, side by side in the same run, see compareWith).
//
// Method: both sandboxes run monoclaw-test/node:20 on the egress test engine (a second dockerd with iptables on, in its
// own network namespace; the fake internet is another namespace: nothing leaves this machine). In each, one Node
// process makes sequential HTTPS requests to allowed.test, each on a new connection (as a CLI tool does):
// - bridge: the sandbox on the engine's default bridge, TLS straight to allowed.test:443;
// - allowlist: the sandbox on its internal network, CONNECT through the egress proxy, then TLS in the tunnel.
// - secret: like allowlist, for a host a secret is bound to: the proxy terminates TLS (its per-sandbox CA), puts the
//   real value where the request's Authorization header has the placeholder, and talks TLS to allowed.test itself.
// Small request: GET of 1 KiB, median of BENCH_RUNS. Download: BENCH_DOWNLOAD_MB MiB, throughput median of the runs.
// The paths take turns (batches of BATCH requests, one download each), so load from elsewhere on the machine falls on
// all of them alike; the load average is printed before and after.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { bundleEgressProxy, egressProxySource } from "../packages/backend-docker/dist/egress/egress-proxy-source.js";
import { createDockerBackend } from "../packages/backend-docker/dist/index.js";
import { stats } from "./stats.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const DOWNLOAD_RUNS = Number(process.env.BENCH_DOWNLOAD_RUNS ?? 3);
const DOWNLOAD_MB = Number(process.env.BENCH_DOWNLOAD_MB ?? 100);
/** Requests per exec before the next path's turn. */
const BATCH = 10;
const ENGINE = "unix:///run/monoclaw-egress-docker.sock";
const IMAGE = "monoclaw-test/node:20";
const CA = readFileSync("/run/monoclaw-egress-world/ca-cert.pem");
const PREFIX = `mc-bench-egress-${process.pid}`;

// Runs in the sandbox: `node -e CLIENT <direct|proxy|secret> <runs> <path> [proxy port] [proxy CA file]`; prints {ms: [...], bytes}.
const CLIENT = `
const tls = require("tls"), http = require("http"), fs = require("fs");
const [mode, runs, path, port = "3128", proxyCa = "/etc/monoclaw/egress-ca.pem"] = process.argv.slice(1);
const ca = mode === "secret" ? [fs.readFileSync("/tmp/world-ca.pem"), fs.readFileSync(proxyCa)] : fs.readFileSync("/tmp/world-ca.pem");
const auth = mode === "secret" ? "Authorization: Bearer " + process.env.BENCH_TOKEN + "\\r\\n" : "";
const open = (done) => {
  if (mode === "direct") return done(tls.connect({ host: "allowed.test", port: 443, servername: "allowed.test", ca }));
  const req = http.request({ host: "monoclaw-egress-proxy", port: Number(port), method: "CONNECT", path: "allowed.test:443" });
  req.on("connect", (res, socket) => {
    if (res.statusCode !== 200) throw new Error("CONNECT answered " + res.statusCode);
    done(tls.connect({ socket, servername: "allowed.test", ca }));
  });
  req.on("error", (e) => { throw e; });
  req.end();
};
const ms = [];
let bytes = 0;
const one = (left) => {
  if (left === 0) return console.log(JSON.stringify({ ms, bytes }));
  const t0 = process.hrtime.bigint();
  open((s) => {
    let got = 0;
    s.on("secureConnect", () => s.write("GET " + path + " HTTP/1.1\\r\\nHost: allowed.test\\r\\n" + auth + "Connection: close\\r\\n\\r\\n"));
    s.on("data", (d) => (got += d.length));
    s.on("error", (e) => { throw e; });
    s.on("end", () => { ms.push(Number(process.hrtime.bigint() - t0) / 1e6); bytes = got; one(left - 1); });
  });
};
one(Number(runs));
`;

const base = { host: ENGINE, image: IMAGE, pull: "never", idle_timeout: 0 };
const bridge = createDockerBackend({ ...base, name: `${PREFIX}-bridge`, network: "bridge" });
const allowlist = createDockerBackend({
  ...base,
  name: `${PREFIX}-allowlist`,
  network: "allowlist",
  egress: { allow: ["allowed.test"], preset: "none", proxy_image: IMAGE },
});
const secret = createDockerBackend({
  ...base,
  name: `${PREFIX}-secret`,
  network: "allowlist",
  egress: { allow: ["allowed.test"], preset: "none", proxy_image: IMAGE, upstream_ca_file: "/run/monoclaw-egress-world/ca-cert.pem" },
  secrets: { BENCH_TOKEN: { from_env: "BENCH_TOKEN_VALUE", hosts: ["allowed.test"] } },
  hostEnv: { ...process.env, BENCH_TOKEN_VALUE: `ghp_${"0123456789abcdefABCDEF0123456789abcd"}` },
});

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");

async function measure(backend, mode, runs, path, proxy = { port: 3128, ca: "/etc/monoclaw/egress-ca.pem" }) {
  const result = await backend.exec(`node -e '${CLIENT.replace(/'/g, "'\\''")}' ${mode} ${runs} ${path} ${proxy.port} ${proxy.ca}`, { timeoutMs: 600_000 });
  const text = Buffer.from(result.stdout.head).toString("utf8");
  if (result.exitCode !== 0) throw new Error(`${mode} client failed: ${Buffer.from(result.stderr.head).toString("utf8")}`);
  return JSON.parse(text);
}

const docker = (...args) => execFileSync("docker", ["-H", ENGINE, ...args], { encoding: "utf8", maxBuffer: 1 << 24 });

/**
 * Starts `source` as one more proxy process in `backend`'s proxy container (the same container, policy, network
 * and CPU; its own port, state directory and CA; its decision log to /dev/null), and gives the sandbox its CA.
 */
async function startSideProxy(backend, sandboxName, source, port) {
  const container = `${sandboxName}-egress-proxy`;
  const env = JSON.parse(docker("inspect", "-f", "{{json .Config.Env}}", container));
  const state = `/run/monoclaw-egress/side-${port}`;
  const user = ["-u", "65534:65534"];
  docker("exec", ...user, container, "sh", "-c", `mkdir -p ${state} && cp /run/monoclaw-egress/policy.json ${state}/`);
  const sideEnv = [...env.filter((e) => e.startsWith("MONOCLAW_EGRESS_LISTEN_SUBNET=")), `MONOCLAW_EGRESS_STATE_DIR=${state}`, `MONOCLAW_EGRESS_PORT=${port}`];
  docker("exec", "-d", ...user, ...sideEnv.flatMap((e) => ["-e", e]), container, "sh", "-c", 'exec node -e "$0" >/dev/null 2>&1', source);
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const applied = docker("exec", ...user, container, "sh", "-c", `test -s ${state}/applied && cat ${state}/ca.pem || true`);
    if (applied) {
      await backend.writeFile(`/tmp/side-${port}-ca.pem`, Buffer.from(applied));
      return { port, ca: `/tmp/side-${port}-ca.pem` };
    }
  }
  throw new Error(`the side proxy on port ${port} in ${container} did not start`);
}

/**
 * This tree's proxy against `rev`'s, both as side processes in the same two proxy containers, taking turns request
 * batch by request batch: what the change did, apart from how loaded the machine was.
 */
async function compareWith(rev) {
  const fromRev = (name) => {
    try {
      return execFileSync("git", ["show", `${rev}:packages/backend-docker/src/egress/proxy/${name}`], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
    } catch {
      return undefined; // a module that revision did not have
    }
  };
  const sides = { [rev]: bundleEgressProxy(fromRev), "this tree": egressProxySource() };
  const started = [];
  for (const [i, [label, source]] of Object.entries(sides).entries())
    started.push({
      label,
      allowlist: await startSideProxy(allowlist, `${PREFIX}-allowlist`, source, 3200 + i),
      secret: await startSideProxy(secret, `${PREFIX}-secret`, source, 3200 + i),
      small: [],
      secretMs: [],
      downloads: [],
    });
  for (const side of started) await measure(secret, "secret", 3, "/bytes/1024", side.secret);
  for (let left = RUNS; left > 0; left -= BATCH)
    for (const side of started) {
      side.small.push(...(await measure(allowlist, "proxy", Math.min(BATCH, left), "/bytes/1024", side.allowlist)).ms);
      side.secretMs.push(...(await measure(secret, "secret", Math.min(BATCH, left), "/bytes/1024", side.secret)).ms);
    }
  const bytes = DOWNLOAD_MB * 1024 * 1024;
  for (let run = 0; run < DOWNLOAD_RUNS; run++)
    for (const side of started)
      side.downloads.push(bytes / 1024 / 1024 / ((await measure(allowlist, "proxy", 1, `/bytes/${bytes}`, side.allowlist)).ms[0] / 1000));
  for (const side of started)
    console.log(
      `side by side, ${side.label}: tunnel ${stats(side.small).median.toFixed(2)} ms, secret ${stats(side.secretMs).median.toFixed(2)} ms (medians of ${RUNS}), download ${stats(side.downloads).median.toFixed(0)} MiB/s (median of ${DOWNLOAD_RUNS})`,
    );
}

try {
  for (const backend of [bridge, allowlist, secret]) await backend.writeFile("/tmp/world-ca.pem", CA);
  // Warm both paths once (proxy started, TLS code paths loaded).
  await measure(bridge, "direct", 3, "/bytes/1024");
  await measure(allowlist, "proxy", 3, "/bytes/1024");
  await measure(secret, "secret", 3, "/bytes/1024");

  // Interleaved, batch by batch: whatever else loads the machine meanwhile falls on all three paths alike.
  const loadBefore = loadAverage();
  const samples = { bridge: [], allowlist: [], secret: [] };
  for (let left = RUNS; left > 0; left -= BATCH) {
    const runs = Math.min(BATCH, left);
    samples.bridge.push(...(await measure(bridge, "direct", runs, "/bytes/1024")).ms);
    samples.allowlist.push(...(await measure(allowlist, "proxy", runs, "/bytes/1024")).ms);
    samples.secret.push(...(await measure(secret, "secret", runs, "/bytes/1024")).ms);
  }
  const small = { bridge: stats(samples.bridge), allowlist: stats(samples.allowlist), secret: stats(samples.secret) };
  const bytes = DOWNLOAD_MB * 1024 * 1024;
  const mibPerSecond = async (backend, mode) => bytes / 1024 / 1024 / ((await measure(backend, mode, 1, `/bytes/${bytes}`)).ms[0] / 1000);
  const downloads = { bridge: [], allowlist: [] };
  for (let run = 0; run < DOWNLOAD_RUNS; run++) {
    downloads.bridge.push(await mibPerSecond(bridge, "direct"));
    downloads.allowlist.push(await mibPerSecond(allowlist, "proxy"));
  }
  const download = { bridge: stats(downloads.bridge), allowlist: stats(downloads.allowlist) };
  if (process.env.BENCH_COMPARE_REV) await compareWith(process.env.BENCH_COMPARE_REV);
  console.log(`load average (1, 5, 15 min): ${loadBefore} before, ${loadAverage()} after`);

  const f = (v) => v.toFixed(2);
  console.log(
    `HTTPS GET 1 KiB, new connection each (median of ${RUNS}): bridge ${f(small.bridge.median)} ms (p95 ${f(small.bridge.p95)}), allowlist ${f(small.allowlist.median)} ms (p95 ${f(small.allowlist.p95)}): +${f(small.allowlist.median - small.bridge.median)} ms (target <= 5 ms)`,
  );
  console.log(
    `HTTPS download ${DOWNLOAD_MB} MiB (median of ${DOWNLOAD_RUNS}): bridge ${download.bridge.median.toFixed(0)} MiB/s, allowlist ${download.allowlist.median.toFixed(0)} MiB/s: ${((download.allowlist.median / download.bridge.median) * 100).toFixed(0)} % (target >= 80 %)`,
  );
  console.log(
    `HTTPS GET 1 KiB with a secret substituted (median of ${RUNS}): ${f(small.secret.median)} ms (p95 ${f(small.secret.p95)}): +${f(small.secret.median - small.bridge.median)} ms over bridge (target <= 10 ms), +${f(small.secret.median - small.allowlist.median)} ms over the plain tunnel`,
  );
} finally {
  await bridge.dispose();
  await allowlist.dispose();
  await secret.dispose();
  const { docker } = await allowlist.engine();
  for (const c of await docker.listContainers({ all: true })) {
    if (c.Names.some((n) => n.startsWith(`/${PREFIX}`)))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
  }
  for (const network of [`${PREFIX}-allowlist-egress`, `${PREFIX}-secret-egress`])
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
}
