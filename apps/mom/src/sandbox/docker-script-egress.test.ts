import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertEgressEngine, execWith, momEgressEnv, removeMomEgressSandbox } from "./egress-world.test-helpers.js";

/**
 * docker.sh with MOM_NETWORK=allowlist against the egress test engine (a
 * second engine with iptables on in its own network namespace, and a fake
 * internet serving allowed.test and denied.test; scripts/egress-test-world.sh).
 * Nothing leaves this machine.
 */
const script = fileURLToPath(new URL("../../docker.sh", import.meta.url));
const name = `mom-test-egress-${process.pid}`;
const env = momEgressEnv(name);

const exec = execWith(env);
const run = (args: string[]) => exec(script, args);
const docker = (args: string[]) => exec("docker", args);
const inSandbox = (command: string) => docker(["exec", name, "sh", "-c", command]);

let dataDir: string;

beforeAll(async () => {
  await assertEgressEngine();
  dataDir = await mkdtemp(join(tmpdir(), "mom-egress-"));
  await removeMomEgressSandbox(name);
});

afterAll(async () => {
  await removeMomEgressSandbox(name);
  await rm(dataDir, { recursive: true, force: true });
});

describe("docker.sh MOM_NETWORK=allowlist", () => {
  it("creates a sandbox that reaches only MOM_EGRESS_ALLOW, through the proxy, also after stop and start", async () => {
    const created = await run(["create", dataDir]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);

    const allowed = await inSandbox("curl -sS http://allowed.test/from-mom");
    expect(allowed.stdout).toContain('"served":"internet"');
    const refused = await inSandbox("curl -sS http://denied.test/from-mom");
    expect(refused.stdout).toContain("refused denied.test:80: not in MOM_EGRESS_ALLOW");
    // Ignoring the proxy gets nowhere (the positive control is the allowed request above).
    const direct = await inSandbox("curl -sS --noproxy '*' -m 5 http://198.19.0.10/");
    expect(direct.code).not.toBe(0);

    expect((await run(["status"])).stdout).toMatch(new RegExp(`Egress proxy '${name}-egress-proxy': running, policy .*"allow":\\["allowed.test"\\]`));

    expect((await run(["stop"])).code).toBe(0);
    expect((await run(["start"])).code).toBe(0);
    // The proxy's tmpfs was wiped by the restart: start wrote the policy again.
    expect((await inSandbox("curl -sS http://allowed.test/after-restart")).stdout).toContain('"served":"internet"');

    expect((await run(["remove"])).code).toBe(0);
    expect((await docker(["container", "inspect", `${name}-egress-proxy`])).code).not.toBe(0);
    expect((await docker(["network", "inspect", `${name}-egress`])).code).not.toBe(0);
  }, 180_000);
});
