import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, type ExecutionBackend } from "@monoclaw/core";
import { hostBackendFactory } from "@monoclaw/backend-host";
import { dockerBackendFactory } from "@monoclaw/backend-docker";
import { openMomSandbox, type MomSandbox } from "./mom-sandbox.js";

/**
 * mom's egress tests run docker.sh against the egress test engine (a second
 * engine with iptables on and a fake internet serving allowed.test and
 * denied.test; scripts/egress-test-world.sh). Nothing leaves this machine.
 */
export const EGRESS_DOCKER_HOST = "unix:///run/monoclaw-egress-docker.sock";

/** docker.sh's environment for a small allowlist sandbox named `name` that may reach allowed.test only. */
export function momEgressEnv(name: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DOCKER_HOST: EGRESS_DOCKER_HOST,
    MOM_CONTAINER: name,
    MOM_IMAGE: "monoclaw-egress-test/curl:bookworm",
    MOM_NETWORK: "allowlist",
    MOM_EGRESS_ALLOW: "allowed.test",
    MOM_EGRESS_PROXY_IMAGE: "monoclaw-test/node:20",
    MOM_MEMORY: "256m",
    MOM_CPUS: "1",
    MOM_PIDS: "128",
  };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (docker, docker.sh) with `env`; resolves with its exit code and output, never rejects. */
export const execWith =
  (env: NodeJS.ProcessEnv) =>
  (file: string, args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(file, args, { env, timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      });
    });

/** The fake internet's own state: its CA (trusted by the proxy through MOM_EGRESS_UPSTREAM_CA) and what its servers recorded. */
export const WORLD_CA_FILE = "/run/monoclaw-egress-world/ca-cert.pem";
const WORLD_HTTP_LOG = "/run/monoclaw-egress-world/http.log";

/** A request the fake internet's web servers recorded. */
export interface WorldRequest {
  scheme: string;
  host: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The requests whose URL holds `id` (a per-test nonce). */
export function worldRequestsWith(id: string): WorldRequest[] {
  return readFileSync(WORLD_HTTP_LOG, "utf8")
    .split("\n")
    .filter((line) => line.includes(id))
    .map((line) => JSON.parse(line) as WorldRequest)
    .filter((request) => request.url.includes(id));
}

const egressDocker = execWith({ ...process.env, DOCKER_HOST: EGRESS_DOCKER_HOST });

/** Fails (never skips) with the fix when the egress test engine is not there. */
export async function assertEgressEngine(): Promise<void> {
  const ping = await egressDocker("docker", ["info", "--format", "{{.ServerVersion}}"]);
  if (ping.code !== 0) throw new Error(`The egress test world is not running (${ping.stderr.trim()}): run \`bash scripts/egress-test-world.sh\` as root`);
}

/** Removes what docker.sh made for `name` on the egress engine: the sandbox, its proxy and its network (nothing there is fine). */
export async function removeMomEgressSandbox(name: string): Promise<void> {
  await egressDocker("docker", ["rm", "-f", name, `${name}-egress-proxy`]);
  await egressDocker("docker", ["network", "rm", `${name}-egress`]);
}

/** Opens `--sandbox=docker:NAME` as mom's start does (no config file), with `env` as her environment; returns it with her log. */
export async function openAttachedSandbox(name: string, dataDir: string, env: Record<string, string>): Promise<{ sandbox: MomSandbox; log: string[] }> {
  const log: string[] = [];
  const sandbox = await openMomSandbox({
    spec: { kind: "docker", container: name },
    dataDir,
    config: await loadConfig({ file: join(dataDir, "no-config.yaml"), env: {}, factories: [hostBackendFactory, dockerBackendFactory] }),
    sandboxEnv: {},
    env,
    timeoutMs: 30_000,
    log: (message) => log.push(message),
  });
  return { sandbox, log };
}

/** The backend of a run in channel C1 (what mom's agent does before each run: the proxy is checked then). */
export const backendOfRun = (sandbox: MomSandbox): Promise<ExecutionBackend> =>
  typeof sandbox.backend === "function" ? sandbox.backend("C1") : Promise.resolve(sandbox.backend);
