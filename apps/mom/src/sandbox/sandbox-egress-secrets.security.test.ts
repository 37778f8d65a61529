import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capturedText, type ExecutionBackend } from "@monoclaw/core";
import { step } from "@monoclaw/testkit";
import { MomStartupError } from "../cli/mom-startup-error.js";
import { createHarness } from "../mom.test-helpers.js";
import {
  EGRESS_DOCKER_HOST,
  WORLD_CA_FILE,
  assertEgressEngine,
  backendOfRun,
  execWith,
  momEgressEnv,
  openAttachedSandbox,
  removeMomEgressSandbox,
  worldRequestsWith,
} from "./egress-world.test-helpers.js";
import type { MomSandbox } from "./mom-sandbox.js";

/**
 * docker.sh's MOM_SECRETS with `mom --sandbox=docker:NAME`: docker.sh records
 * names and hosts only, mom reads the values from her own environment and
 * gives them to the proxy, commands see placeholders. Against the egress test
 * engine and its fake internet (scripts/egress-test-world.sh), whose HTTPS
 * servers record every request's headers. Nothing leaves this machine.
 */
const script = fileURLToPath(new URL("../../docker.sh", import.meta.url));
const name = `mom-test-secrets-${process.pid}`;
const proxy = `${name}-egress-proxy`;
const REAL = `ghp_${randomBytes(18).toString("hex")}`;
const REAL_OTHER = `sk-${randomBytes(20).toString("hex")}`;
const nonce = () => `n${randomBytes(5).toString("hex")}`;

/** docker.sh's environment holds no value at all: it needs only the names. */
const scriptEnv: NodeJS.ProcessEnv = {
  ...momEgressEnv(name),
  MOM_EGRESS_ALLOW: "allowed.test,api.allowed.test,other.test",
  MOM_SECRETS: "GITHUB_TOKEN=allowed.test; OTHER_KEY=api.allowed.test",
  MOM_EGRESS_UPSTREAM_CA: WORLD_CA_FILE,
};
delete scriptEnv.GITHUB_TOKEN;
delete scriptEnv.OTHER_KEY;
const momEnv = { DOCKER_HOST: EGRESS_DOCKER_HOST, GITHUB_TOKEN: REAL, OTHER_KEY: REAL_OTHER };

const exec = execWith(scriptEnv);
const docker = (args: string[]) => exec("docker", args);

let dataDir: string;
const opened: MomSandbox[] = [];

async function open(env: Record<string, string> = momEnv): Promise<{ sandbox: MomSandbox; backend: ExecutionBackend; log: string[] }> {
  const { sandbox, log } = await openAttachedSandbox(name, dataDir, env);
  opened.push(sandbox);
  return { sandbox, backend: await backendOfRun(sandbox), log };
}

const run = async (backend: ExecutionBackend, command: string) => {
  const result = await backend.exec(command);
  return { exitCode: result.exitCode, stdout: capturedText(result.stdout), stderr: capturedText(result.stderr) };
};

/** An HTTPS request with the placeholder of GITHUB_TOKEN as a bearer token, as a tool in the sandbox makes it. */
const bearerRequest = (backend: ExecutionBackend, url: string, options = "") =>
  run(backend, `curl -sS -m 15 -w '\\n%{http_code}' ${options} -H "Authorization: Bearer $GITHUB_TOKEN" ${url}`);

beforeAll(async () => {
  await assertEgressEngine();
  dataDir = await realpath(await mkdtemp(join(tmpdir(), "mom-secrets-")));
  await removeMomEgressSandbox(name);
  const created = await exec(script, ["create", dataDir]);
  if (created.code !== 0 || created.stderr !== "") throw new Error(`docker.sh create failed: ${created.stderr}`);
}, 180_000);

afterAll(async () => {
  for (const sandbox of opened) await sandbox.dispose().catch(() => undefined);
  await removeMomEgressSandbox(name);
  await rm(dataDir, { recursive: true, force: true });
});

describe("docker.sh MOM_SECRETS with mom --sandbox=docker:NAME (egress test engine, fake internet)", () => {
  let first: Awaited<ReturnType<typeof open>>;
  let placeholder = "";

  beforeAll(async () => {
    first = await open();
    placeholder = (await run(first.backend, 'printf %s "$GITHUB_TOKEN"')).stdout;
    await first.backend.writeFile("/tmp/world-ca.pem", await readFile(WORLD_CA_FILE));
  }, 120_000);

  it("records only the secrets' names and hosts, and commands see a placeholder shaped like the value", async () => {
    const label = await docker(["container", "inspect", "-f", '{{index .Config.Labels "monoclaw.mom.egress-secrets"}}', proxy]);
    expect(JSON.parse(label.stdout)).toEqual({ GITHUB_TOKEN: ["allowed.test"], OTHER_KEY: ["api.allowed.test"] });
    expect(placeholder).toMatch(/^ghp_[0-9a-z]+$/);
    expect(placeholder).toHaveLength(REAL.length);
    expect(placeholder).not.toBe(REAL);
    expect(first.log).toEqual([
      `Egress proxy ${proxy} holds the secrets from mom's environment (GITHUB_TOKEN for allowed.test; OTHER_KEY for api.allowed.test)`,
    ]);
  });

  it("sends the real value to the bound host (plain curl trusts the proxy's CA), and the echo comes back as the placeholder", async () => {
    const id = nonce();
    const reply = await bearerRequest(first.backend, `https://allowed.test/${id}`);
    expect(reply.stderr).toBe("");
    expect(reply.stdout).toMatch(/200$/);
    const [seen] = worldRequestsWith(id);
    expect(seen?.headers.authorization).toBe(`Bearer ${REAL}`);
    expect(seen).toMatchObject({ scheme: "https", host: "allowed.test" });
    // What reaches the model, the session and Slack holds the placeholder only.
    expect(reply.stdout).toContain(placeholder);
    expect(reply.stdout).not.toContain(REAL);

    const basic = nonce();
    expect((await run(first.backend, `curl -sS -m 15 -u "token:$OTHER_KEY" https://api.allowed.test/${basic}`)).exitCode).toBe(0);
    const authorization = String(worldRequestsWith(basic)[0]?.headers.authorization);
    expect(Buffer.from(authorization.replace(/^Basic /, ""), "base64").toString()).toBe(`token:${REAL_OTHER}`);
  });

  it("refuses the placeholder towards another allowed host (one bound to another secret, or over plain HTTP), and the outside never sees it", async () => {
    const toOther = nonce();
    const refused = await bearerRequest(first.backend, `https://api.allowed.test/${toOther}`);
    expect(refused.stdout).toMatch(/placeholder of secret GITHUB_TOKEN.*bound only to allowed\.test.*exfiltration attempt[\s\S]*403$/);
    const plain = nonce();
    const overHttp = await bearerRequest(first.backend, `http://other.test/${plain}`);
    expect(overHttp.stdout).toMatch(/placeholder of secret GITHUB_TOKEN over plain HTTP[\s\S]*403$/);
    expect(worldRequestsWith(toOther)).toEqual([]);
    expect(worldRequestsWith(plain)).toEqual([]);
    // Positive control: the same requests without the placeholder arrive.
    const fine = nonce();
    expect((await run(first.backend, `curl -sS -m 15 https://api.allowed.test/${fine} && curl -sS -m 15 http://other.test/${fine}`)).exitCode).toBe(0);
    expect(worldRequestsWith(fine).map((request) => request.host)).toEqual(["api.allowed.test", "other.test"]);
  });

  it("tunnels a host no secret is bound to untouched: it receives only the worthless placeholder, never the value", async () => {
    const id = nonce();
    const reply = await bearerRequest(first.backend, `https://other.test/${id}`, "--cacert /tmp/world-ca.pem");
    expect(reply.stdout).toMatch(/200$/);
    expect(worldRequestsWith(id)[0]?.headers.authorization).toBe(`Bearer ${placeholder}`);
  });

  it("keeps the real values out of docker inspect, /proc/*/environ, every file in the sandbox and mom's log", async () => {
    for (const container of [name, proxy]) {
      const info = await docker(["container", "inspect", container]);
      expect(info.stdout).toContain(container); // positive control: the inspect is there
      expect(info.stdout).not.toContain(REAL);
      expect(info.stdout).not.toContain(REAL_OTHER);
    }
    // Positive controls first: the searches find what is there.
    const environ = await run(first.backend, `cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c "$GITHUB_TOKEN"`);
    expect(Number(environ.stdout.trim())).toBeGreaterThan(0);
    const marker = nonce();
    await run(first.backend, `echo ${marker} > /tmp/marker-file`);
    const search = (needle: string) => run(first.backend, `grep -rlsF --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev '${needle}' / ; true`);
    expect((await search(marker)).stdout).toContain("/tmp/marker-file");
    for (const secret of [REAL, REAL_OTHER]) {
      expect((await run(first.backend, `cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c '${secret}'; true`)).stdout.trim()).toBe("0");
      expect((await search(secret)).stdout.trim()).toBe("");
    }
    expect(first.log.join("\n")).toContain("GITHUB_TOKEN");
    expect(first.log.join("\n")).not.toContain(REAL);
    expect(first.log.join("\n")).not.toContain(REAL_OTHER);
  }, 120_000);

  it("keeps the real value out of Slack, the channel's files and what the model sees when mom's bash tool uses the secret", async () => {
    const id = nonce();
    const h = await createHarness(
      [step.toolCall("bash", { command: `curl -sS -H "Authorization: Bearer $GITHUB_TOKEN" https://allowed.test/${id}` }), step.text("Called the API.")],
      { dataDir },
    );
    try {
      Object.assign(h.env, momEnv);
      await h.start([`--sandbox=docker:${name}`, dataDir]);
      h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> call the API" });
      await h.fake.waitFor(() => h.fake.botMessages("CGENERAL").find((message) => message.text === "Called the API."), { description: "the final answer" });
      // Positive controls: the bound host got the real value, and the tool's reply in the thread shows the echo.
      expect(worldRequestsWith(id)[0]?.headers.authorization).toBe(`Bearer ${REAL}`);
      const slack = JSON.stringify(h.fake.messages("CGENERAL"));
      expect(slack).toContain(id);
      for (const secret of [REAL, REAL_OTHER]) {
        expect(slack).not.toContain(secret);
        expect(JSON.stringify(h.model.requests)).not.toContain(secret);
        expect(h.stderr.join("")).not.toContain(secret);
      }
      const files = await run(first.backend, `grep -rlsF '${REAL}' /workspace; grep -rlsF '${id}' /workspace/CGENERAL | head -1`);
      expect(files.stdout.trim()).toBe("/workspace/CGENERAL/context.jsonl"); // the nonce is there, the value nowhere
    } finally {
      await h.close();
    }
  }, 120_000);

  it("keeps the values mom gave a running proxy through ./docker.sh start and status (they rewrite no running proxy's policy)", async () => {
    const status = await exec(script, ["status"]);
    expect(status.stdout).toContain(`Secrets (values from mom's environment at her start): {"GITHUB_TOKEN":["allowed.test"],"OTHER_KEY":["api.allowed.test"]}`);
    expect(status.stdout).not.toContain(REAL);
    const started = await exec(script, ["start"]);
    expect(started.code).toBe(0);
    const id = nonce();
    expect((await bearerRequest(first.backend, `https://allowed.test/${id}`)).stdout).toMatch(/200$/);
    expect(worldRequestsWith(id)[0]?.headers.authorization).toBe(`Bearer ${REAL}`);
  }, 60_000);

  it("recovers a killed proxy at mom's start: policy, values and the proxy's new CA are back, and the secret works again", async () => {
    const caBefore = (await run(first.backend, "cat /etc/monoclaw/egress-ca.pem")).stdout;
    expect(caBefore).toContain("BEGIN CERTIFICATE");
    expect((await docker(["kill", proxy])).code).toBe(0);
    // Fail closed meanwhile: the bound host does not get the request (nor its value).
    const meanwhile = nonce();
    expect(
      (await docker(["exec", name, "sh", "-c", `curl -sS -m 5 -H "Authorization: Bearer ${placeholder}" https://allowed.test/${meanwhile}`])).code,
    ).not.toBe(0);
    expect(worldRequestsWith(meanwhile)).toEqual([]);

    const { backend, log } = await open();
    expect(log.join("\n")).toMatch(new RegExp(`Egress proxy ${proxy} (was exited: starting it|restarted)`));
    expect(log.at(-1)).toBe(
      `Egress proxy ${proxy} is running with its policy (allow: allowed.test, api.allowed.test, other.test; secrets: GITHUB_TOKEN for allowed.test; OTHER_KEY for api.allowed.test)`,
    );
    const id = nonce();
    const reply = await bearerRequest(backend, `https://allowed.test/${id}`);
    expect(reply.stderr).toBe("");
    expect(worldRequestsWith(id)[0]?.headers.authorization).toBe(`Bearer ${REAL}`);
    const caAfter = (await run(backend, "cat /etc/monoclaw/egress-ca.pem")).stdout;
    expect(caAfter).toContain("BEGIN CERTIFICATE");
    expect(caAfter).not.toBe(caBefore);
  }, 120_000);

  it("recovers a proxy killed while mom runs before her next run, with the secret working again", async () => {
    expect((await docker(["kill", proxy])).code).toBe(0);
    const backend = await backendOfRun(first.sandbox);
    const id = nonce();
    const reply = await bearerRequest(backend, `https://allowed.test/${id}`);
    expect(reply.stderr).toBe("");
    expect(worldRequestsWith(id)[0]?.headers.authorization).toBe(`Bearer ${REAL}`);
  }, 120_000);

  it("refuses to start, naming the variable and the fix, when a secret MOM_SECRETS bound is unset, empty or holds a line break in mom's environment", async () => {
    for (const env of [
      { DOCKER_HOST: EGRESS_DOCKER_HOST, GITHUB_TOKEN: REAL },
      { ...momEnv, OTHER_KEY: "" },
    ]) {
      const error = await open(env).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(MomStartupError);
      expect((error as Error).message).toBe(
        `--sandbox=docker:${name}: container '${name}' binds the secret OTHER_KEY to api.allowed.test (MOM_SECRETS of ./docker.sh create), but OTHER_KEY is not set in mom's environment: export OTHER_KEY=<its value> before starting mom`,
      );
    }
    const broken = await open({ ...momEnv, OTHER_KEY: `${REAL_OTHER}\nsecond-line` }).catch((thrown: unknown) => thrown);
    expect((broken as Error).message).toBe(
      `--sandbox=docker:${name}: the secret OTHER_KEY in mom's environment (MOM_SECRETS of ./docker.sh create): the value holds a line break or NUL, which cannot travel in a header; give the credential on one line`,
    );
    // Positive control: with both set she starts.
    expect((await run((await open()).backend, "echo started")).stdout).toBe("started\n");
  }, 60_000);
});

describe("docker.sh MOM_SECRETS input", () => {
  const bad = `mom-test-secrets-bad-${process.pid}`;
  const attempt = (env: NodeJS.ProcessEnv) => execWith({ ...momEgressEnv(bad), ...env })(script, ["create", dataDir]);

  it("refuses MOM_SECRETS without MOM_NETWORK=allowlist, creating nothing", async () => {
    const result = await attempt({ MOM_NETWORK: "none", MOM_SECRETS: "GITHUB_TOKEN=api.github.com" });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "docker.sh: MOM_SECRETS needs MOM_NETWORK=allowlist (the egress proxy is what puts a secret into requests): set MOM_NETWORK=allowlist and MOM_EGRESS_ALLOW\n",
    );
    expect((await docker(["container", "inspect", bad])).code).not.toBe(0);
  });

  it("refuses a value written where a host belongs without repeating it (a token, a dotted JWT, the variable's own value), creating nothing", async () => {
    const token = `ghp_${randomBytes(18).toString("hex")}`;
    const jwt = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.${randomBytes(16).toString("base64url")}`;
    const dotted = `${randomBytes(8).toString("hex")}.${randomBytes(8).toString("hex")}`;
    const notAHost = /^docker\.sh: MOM_SECRETS: GITHUB_TOKEN is bound to something that is not a host name \(api\.github\.com, .*\n$/;
    for (const [value, env, said] of [
      [token, {}, notAHost],
      [jwt, {}, notAHost],
      [dotted, {}, notAHost],
      // A value that looks like a host name is caught by being the value docker.sh's own environment holds under that name.
      [
        "ghp-lookalike.example.com",
        { GITHUB_TOKEN: "ghp-lookalike.example.com" },
        /^docker\.sh: MOM_SECRETS: the value of GITHUB_TOKEN is written in it \(nothing was recorded\); write NAME=host/,
      ],
    ] as const) {
      const result = await attempt({ ...env, MOM_SECRETS: `GITHUB_TOKEN=${value}` });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(said);
      expect(result.stderr.replace(/^docker\.sh: /, "")).not.toContain(value);
      expect(result.stdout).not.toContain(value);
    }
    const noHost = await attempt({ MOM_SECRETS: "GITHUB_TOKEN" });
    expect(noHost.stderr).toMatch(/^docker\.sh: MOM_SECRETS: GITHUB_TOKEN names no host it may be sent to; write NAME=host\[,host\.\.\.\]/);
    for (const container of [bad, `${bad}-egress-proxy`]) expect((await docker(["container", "inspect", container])).code).not.toBe(0);
    expect((await docker(["network", "inspect", `${bad}-egress`])).code).not.toBe(0);
  });

  it("refuses a secret bound to a host MOM_EGRESS_ALLOW does not allow (every request to it would be refused), creating nothing", async () => {
    const result = await attempt({ MOM_EGRESS_ALLOW: "allowed.test,*.github.com", MOM_SECRETS: "GITHUB_TOKEN=api.github.com,github.com" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^docker\.sh: MOM_SECRETS: GITHUB_TOKEN is bound to github\.com, which MOM_EGRESS_ALLOW does not allow, so the proxy would refuse every request to it: add github\.com to MOM_EGRESS_ALLOW; /,
    );
    expect((await docker(["container", "inspect", bad])).code).not.toBe(0);
  });

  it("refuses a secret named like a variable commands need (PATH, the proxy and CA variables, MONOCLAW_*): its placeholder would replace it", async () => {
    for (const name of ["PATH", "HTTPS_PROXY", "no_proxy", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "MONOCLAW_RUN_ID", "LD_PRELOAD"]) {
      const result = await attempt({ MOM_SECRETS: `${name}=api.github.com` });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(
          `^docker\\.sh: MOM_SECRETS: ${name} is a variable commands need for themselves \\(PATH, HOME, the proxy and CA variables, MONOCLAW_\\*\\), not a secret; `,
        ),
      );
    }
    expect((await docker(["container", "inspect", bad])).code).not.toBe(0);
  });
});
