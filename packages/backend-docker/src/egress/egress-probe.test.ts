import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capturedText, type HealthCheck } from "@monoclaw/core/backend";
import { createDockerBackend, type DockerBackend } from "../docker-backend.js";
import { egressProxyName } from "./egress-names.js";
import { EGRESS_PROBE_HOST } from "./egress-probe.js";
import { CURL_IMAGE, EGRESS_ENGINE, NODE_IMAGE, assertWorldReady, egressDocker, removeEgressSandbox, worldRecords } from "./egress-test-world.test-helpers.js";

/**
 * doctor's egress probe against the egress test engine (scripts/egress-test-world.sh):
 * from inside the running sandbox, the proxy is asked for a .invalid name,
 * which it refuses by rule without a lookup. Nothing leaves this machine.
 */
const prefix = `egress-probe-${process.pid}`;

function probeBackend(name: string, image: string): DockerBackend {
  return createDockerBackend({
    host: EGRESS_ENGINE,
    image,
    pull: "never",
    network: "allowlist",
    name,
    idle_timeout: 0,
    egress: { allow: ["allowed.test", "*.allowed.test"], preset: "none", proxy_image: NODE_IMAGE },
  });
}

const probeOf = async (backend: DockerBackend): Promise<HealthCheck | undefined> =>
  (await backend.healthChecks()).find((check) => check.id === "docker.egress.probe");

const stdoutOf = async (backend: DockerBackend, command: string) => capturedText((await backend.exec(command)).stdout);

describe.each([
  { image: CURL_IMAGE, tool: "curl", fetch: (url: string) => `curl -sS ${url}` },
  { image: "monoclaw-test/busybox:latest", tool: "nc", fetch: (url: string) => `wget -q -O - ${url}` },
  {
    image: NODE_IMAGE,
    tool: "node",
    fetch: (url: string) =>
      `node -e 'const s = require("net").connect(3128, "monoclaw-egress-proxy", () => s.write("GET ${url} HTTP/1.0\\r\\n\\r\\n")); s.pipe(process.stdout)'`,
  },
  {
    image: "monoclaw-test/debian:bookworm",
    tool: "perl",
    // Debian's minbase has no HTTP client: perl speaks to the proxy itself.
    fetch: (url: string) =>
      `perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new("monoclaw-egress-proxy:3128") or die; print $s "GET ${url} HTTP/1.0\\r\\n\\r\\n"; print while <$s>'`,
  },
])("doctor's egress probe in $image", ({ image, tool, fetch }) => {
  const name = `${prefix}-${tool}`;
  let backend: DockerBackend;

  beforeAll(async () => {
    await assertWorldReady();
    await removeEgressSandbox(name);
    backend = probeBackend(name, image);
    await backend.exec("true"); // creates the sandbox and starts its proxy
  }, 120_000);

  afterAll(async () => {
    await backend?.dispose();
    await removeEgressSandbox(name);
  });

  it(`proves with ${tool} that the proxy refuses a name it owns, by its rule for .invalid names, and that name is never looked up`, async () => {
    const probe = await probeOf(backend);
    expect(probe).toEqual({
      id: "docker.egress.probe",
      level: "ok",
      message: `egress probe: from inside the sandbox (${tool}), a request for ${EGRESS_PROBE_HOST} was refused by the proxy: refused ${EGRESS_PROBE_HOST}:80: .invalid names never exist (RFC 6761); refused without a lookup`,
    });
    expect(worldRecords("dns.log").some((record) => String(record.name).includes("monoclaw-egress-probe"))).toBe(false);
    // Positive control for dns.log: a name the proxy does resolve is recorded there.
    const id = `n${randomBytes(5).toString("hex")}`;
    expect(await stdoutOf(backend, fetch(`http://${id}.allowed.test/probe-control`))).toContain('"served":"internet"');
    expect(worldRecords("dns.log").some((record) => record.name === `${id}.allowed.test`)).toBe(true);
  });

  it(`says the probe failed, and how to fix it, when the proxy is stopped (${tool}); the next command brings it back`, async () => {
    await egressDocker.getContainer(egressProxyName(name)).stop({ t: 1 });
    const probe = await probeOf(backend);
    expect(probe).toMatchObject({ id: "docker.egress.probe", level: "fail" });
    expect(probe?.message).toContain(
      `egress probe: from inside the sandbox (${tool}), a request for ${EGRESS_PROBE_HOST} could not reach the egress proxy monoclaw-egress-proxy:3128 (`,
    );
    expect(probe?.message).toMatch(/\): the sandbox has no network$/);
    expect(probe?.fix).toBe(`run any command to restart the proxy (monoclaw exec true); if it stays down, see what it logged: monoclaw sandbox egress ${name}`);
    // Doctor started nothing: the proxy is still stopped.
    expect((await egressDocker.getContainer(egressProxyName(name)).inspect()).State.Running).toBe(false);

    // The fix works: a command restarts the proxy and the probe passes again.
    await backend.exec("true");
    expect(await probeOf(backend)).toMatchObject({ level: "ok" });
  }, 60_000);
});
