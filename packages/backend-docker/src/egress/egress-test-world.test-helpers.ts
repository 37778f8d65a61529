import { createDockerBackend, type DockerBackend, type DockerBackendOptions } from "../docker-backend.js";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import Docker from "dockerode";
import { capturedText, type ExecResult } from "@monoclaw/core/backend";
import { egressNetworkName, egressProxyName } from "./egress-names.js";

/**
 * The egress tests' world (scripts/egress-test-world.sh): a second engine in
 * its own network namespace with iptables on, and a fake internet that
 * records every DNS query, HTTP request and UDP packet it gets.
 */
export const EGRESS_ENGINE = "unix:///run/monoclaw-egress-docker.sock";
export const WORLD_STATE = "/run/monoclaw-egress-world";
export const ENGINE_NAMESPACE = "monoclaw-egress-engine";
export const INTERNET_NAMESPACE = "monoclaw-egress-internet";
/** Debian with this machine's curl (the world script builds it on the egress engine). */
export const CURL_IMAGE = "monoclaw-egress-test/curl:bookworm";
export const NODE_IMAGE = "monoclaw-test/node:20";
/** The fake internet's web servers and DNS server. */
export const ALLOWED_IP = "198.19.0.10";
export const OTHER_IP = "198.19.0.12";
export const DNS_IP = "198.19.0.53";

export const egressDocker = new Docker({ socketPath: "/run/monoclaw-egress-docker.sock" });

/** Fails (never skips) with the fix when the world is not there. */
export async function assertWorldReady(): Promise<void> {
  try {
    await egressDocker.ping();
    readFileSync(`${WORLD_STATE}/ca-cert.pem`);
  } catch (error) {
    throw new Error(`The egress test world is not running (${(error as Error).message}): run \`bash scripts/egress-test-world.sh\` as root`);
  }
}

export interface WorldRecord {
  time: string;
  [key: string]: unknown;
}

/** What the fake internet recorded in `dns.log`, `http.log` or `udp.log`. */
export function worldRecords(file: "dns.log" | "http.log" | "udp.log"): WorldRecord[] {
  return readFileSync(`${WORLD_STATE}/${file}`, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as WorldRecord);
}

/** What a sandboxed command printed, as text, with how it ended and the backend's notices. */
export interface CommandText {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  notices?: string[];
}

/** Runs a command through a backend or session and returns its output as text. */
export async function runText(target: { exec(command: string): Promise<ExecResult> }, command: string): Promise<CommandText> {
  const result = await target.exec(command);
  return {
    stdout: capturedText(result.stdout),
    stderr: capturedText(result.stderr),
    exitCode: result.exitCode,
    ...(result.notices ? { notices: result.notices } : {}),
  };
}

/** A header of a request the fake internet's web servers recorded. */
export const requestHeader = (entry: WorldRecord | undefined, name: string): string | undefined =>
  (entry?.headers as Record<string, string> | undefined)?.[name];

/** Whether any record of the fake internet mentions `needle` (a per-test nonce). */
export function worldSaw(needle: string): boolean {
  return (["dns.log", "http.log", "udp.log"] as const).some((file) => readFileSync(`${WORLD_STATE}/${file}`, "utf8").includes(needle));
}

/** Runs a command in one of the world's namespaces (root only, as the world script). */
export function inNamespace(namespace: string, command: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("ip", ["netns", "exec", namespace, ...command], { encoding: "utf8", timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export const worldCa = () => readFileSync(`${WORLD_STATE}/ca-cert.pem`);

/** Removes a test's sandbox, its egress proxy and its network from the egress engine (nothing there is fine). */
export async function removeEgressSandbox(name: string): Promise<void> {
  for (const container of [name, egressProxyName(name)])
    await egressDocker
      .getContainer(container)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  await egressDocker
    .getNetwork(egressNetworkName(name))
    .remove()
    .catch(() => undefined);
}

/**
 * A `network: allowlist` sandbox on the egress test engine: `allow` only (no
 * preset), the proxy on the Node test image, MonoClaw's state (the decision
 * log) in `monoclawHome`.
 */
export function allowlistSandbox(
  options: { name: string; image: string; allow: string[]; monoclawHome: string },
  overrides: Partial<DockerBackendOptions> = {},
): DockerBackend {
  return createDockerBackend({
    host: EGRESS_ENGINE,
    image: options.image,
    pull: "never",
    network: "allowlist",
    name: options.name,
    idle_timeout: 0,
    egress: { allow: options.allow, preset: "none", proxy_image: NODE_IMAGE },
    hostEnv: { ...process.env, MONOCLAW_HOME: options.monoclawHome },
    ...overrides,
  });
}
