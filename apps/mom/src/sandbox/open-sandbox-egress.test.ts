import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EGRESS_DOCKER_HOST,
  assertEgressEngine,
  backendOfRun,
  execWith,
  momEgressEnv,
  openAttachedSandbox,
  removeMomEgressSandbox,
} from "./egress-world.test-helpers.js";
import { capturedText, type ExecutionBackend } from "@monoclaw/core";
import { step } from "@monoclaw/testkit";
import { MomStartupError } from "../cli/mom-startup-error.js";
import { createHarness } from "../mom.test-helpers.js";
import type { MomSandbox } from "./mom-sandbox.js";

/**
 * `mom --sandbox=docker:NAME` with a sandbox docker.sh made with
 * MOM_NETWORK=allowlist: she starts its stopped egress proxy, with its
 * policy, at start and before a run. Against the egress test engine (a second
 * engine with iptables on and a fake internet serving allowed.test and
 * denied.test; scripts/egress-test-world.sh). Nothing leaves this machine.
 */
const script = fileURLToPath(new URL("../../docker.sh", import.meta.url));
const name = `mom-test-keepproxy-${process.pid}`;
const proxy = `${name}-egress-proxy`;
const env = momEgressEnv(name);

const exec = execWith(env);
const docker = (args: string[]) => exec("docker", args);
const proxyRunning = async () => (await docker(["container", "inspect", "-f", "{{.State.Running}}", proxy])).stdout.trim();

let dataDir: string;
const opened: MomSandbox[] = [];

async function open(): Promise<{ sandbox: MomSandbox; log: string[] }> {
  const opening = await openAttachedSandbox(name, dataDir, { DOCKER_HOST: EGRESS_DOCKER_HOST });
  opened.push(opening.sandbox);
  return opening;
}

const curl = async (backend: ExecutionBackend, url: string) => {
  const result = await backend.exec(`curl -sS -m 10 ${url}`);
  return { exitCode: result.exitCode, stdout: capturedText(result.stdout), stderr: capturedText(result.stderr) };
};

beforeAll(async () => {
  await assertEgressEngine();
  dataDir = await realpath(await mkdtemp(join(tmpdir(), "mom-keepproxy-")));
  await removeMomEgressSandbox(name);
  const created = await exec(script, ["create", dataDir]);
  if (created.code !== 0) throw new Error(`docker.sh create failed: ${created.stderr}`);
}, 180_000);

afterAll(async () => {
  for (const sandbox of opened) await sandbox.dispose().catch(() => undefined);
  await removeMomEgressSandbox(name);
  await rm(dataDir, { recursive: true, force: true });
});

describe("mom --sandbox=docker:NAME keeps docker.sh's egress proxy running", () => {
  it("starts a stopped proxy at start with its policy, so an allowed host works and a denied one is refused, and says so in her log", async () => {
    expect((await docker(["stop", proxy])).code).toBe(0);
    expect(await proxyRunning()).toBe("false");
    // Fail closed meanwhile: with its proxy stopped the sandbox reaches nothing, not even the allowed host.
    expect((await docker(["exec", name, "curl", "-sS", "-m", "5", "http://allowed.test/while-stopped"])).code).not.toBe(0);

    const { sandbox, log } = await open();
    expect(await proxyRunning()).toBe("true");
    expect(log).toEqual([
      `Egress proxy ${proxy} was exited: starting it (without it the sandbox reaches nothing)`,
      `Egress proxy ${proxy} is running with its policy (allow: allowed.test)`,
    ]);
    const backend = await backendOfRun(sandbox);
    const allowed = await curl(backend, "http://allowed.test/after-mom-start");
    expect(allowed.stdout).toContain('"served":"internet"');
    const denied = await curl(backend, "http://denied.test/after-mom-start");
    expect(denied.stdout).toContain("refused denied.test:80: not in MOM_EGRESS_ALLOW");
    expect(denied.stdout).not.toContain('"served":"internet"');
  }, 120_000);

  it("shows the host the proxy refused in the tool's reply in the Slack thread (real bolt, fake Slack, scripted model), and the model is told", async () => {
    const h = await createHarness(
      [step.toolCall("bash", { command: "curl -sS -m 10 https://denied.test/from-slack; echo curl-exit=$?" }), step.text("Could not fetch it.")],
      {
        dataDir,
      },
    );
    try {
      Object.assign(h.env, { DOCKER_HOST: EGRESS_DOCKER_HOST });
      await h.start([`--sandbox=docker:${name}`, dataDir]);
      h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> fetch denied.test" });
      await h.fake.waitFor(() => h.fake.botMessages("CGENERAL").find((message) => message.text === "Could not fetch it."), { description: "the final answer" });
      // Positive control: the command ran (curl's own failure is in the reply), and the reason is there beside it.
      const thread = JSON.stringify(h.fake.messages("CGENERAL"));
      expect(thread).toContain("curl-exit=");
      expect(thread).toContain(
        "egress proxy: refused denied.test:443: not in MOM_EGRESS_ALLOW; allow it with: ./docker.sh remove, then MOM_EGRESS_ALLOW='allowed.test,denied.test' ./docker.sh create",
      );
      expect(thread).not.toContain("monoclaw config set"); // there is no monoclaw config behind a docker.sh sandbox
      expect(JSON.stringify(h.model.requests.at(-1)?.body)).toContain("egress proxy: refused denied.test:443");
    } finally {
      await h.close();
    }
  }, 120_000);

  it("starts a proxy that stopped while she runs before the next run, and leaves a running one alone", async () => {
    const { sandbox, log } = await open();
    expect(log).toEqual([]); // the proxy ran: nothing to say
    await backendOfRun(sandbox);
    expect(log).toEqual([]);

    expect((await docker(["stop", proxy])).code).toBe(0);
    const backend = await backendOfRun(sandbox);
    expect(await proxyRunning()).toBe("true");
    expect(log).toEqual([
      `Egress proxy ${proxy} was exited: starting it (without it the sandbox reaches nothing)`,
      `Egress proxy ${proxy} is running with its policy (allow: allowed.test)`,
    ]);
    expect((await curl(backend, "http://allowed.test/after-run-recovery")).stdout).toContain('"served":"internet"');
    expect((await curl(backend, "http://denied.test/after-run-recovery")).stdout).toContain("refused denied.test:80");

    // A proxy restarted behind her back (restart policy, docker restart) lost its policy: the next run loads it again.
    expect((await docker(["restart", "-t", "1", proxy])).code).toBe(0);
    const again = await backendOfRun(sandbox);
    expect(log.slice(2)).toEqual([
      expect.stringMatching(new RegExp(`^Egress proxy ${proxy} restarted \\(at .+\\), which wiped its policy: loading it again$`)),
      `Egress proxy ${proxy} is running with its policy (allow: allowed.test)`,
    ]);
    expect((await curl(again, "http://allowed.test/after-restart")).stdout).toContain('"served":"internet"');
  }, 120_000);

  it("refuses to start, naming ./docker.sh create, when the proxy of a sandbox on its egress network is gone", async () => {
    expect((await docker(["rm", "-f", proxy])).code).toBe(0);
    const error = await open().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(MomStartupError);
    expect((error as Error).message).toBe(
      `--sandbox=docker:${name}: container '${name}' is on the egress network ${name}-egress, but its egress proxy ${proxy} does not exist, so it can reach nothing. ` +
        `Recreate both: MOM_CONTAINER=${name} ./docker.sh remove && MOM_CONTAINER=${name} MOM_NETWORK=allowlist MOM_EGRESS_ALLOW=<hosts> ./docker.sh create ${dataDir}`,
    );
    // A mom already running says the same before her next run, instead of running commands that reach nothing.
    const running = opened[0]!;
    await expect(backendOfRun(running)).rejects.toThrow(`its egress proxy ${proxy} does not exist`);
  }, 60_000);
});
