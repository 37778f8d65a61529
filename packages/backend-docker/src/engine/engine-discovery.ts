import { join } from "node:path";
import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import { currentContextEndpoint } from "./docker-context.js";
import type { DiscoveryEnvironment } from "./discovery-environment.js";
import { endpointToDockerOptions, type EngineEndpoint } from "./engine-endpoint.js";
import { describeSshFailure, sshSettings } from "./engine-ssh.js";

/**
 * One way of finding the engine. It returns undefined when it does not apply
 * (variable unset, socket absent). An `explicit` strategy names the engine the
 * user asked for: when its endpoint does not answer, discovery stops there
 * instead of silently using another engine.
 */
export interface DiscoveryStrategy {
  name: string;
  explicit: boolean;
  find(environment: DiscoveryEnvironment): EngineEndpoint | undefined;
}

/** `terminal.docker.host`; a `tcp://` endpoint takes its TLS material from DOCKER_CERT_PATH / DOCKER_TLS_VERIFY like DOCKER_HOST does. */
export const configuredHostStrategy: DiscoveryStrategy = {
  name: "terminal.docker.host",
  explicit: true,
  find: (environment) => {
    if (!environment.configuredHost) return undefined;
    const tls = tlsFromEnvironment(environment);
    return { url: environment.configuredHost, source: "terminal.docker.host", ...(tls ? { tls } : {}) };
  },
};

function tlsFromEnvironment({ env, homeDir }: DiscoveryEnvironment) {
  const verify = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== "" && env.DOCKER_TLS_VERIFY !== "0";
  const certPath = env.DOCKER_CERT_PATH || (verify ? join(homeDir, ".docker") : undefined);
  return verify || env.DOCKER_CERT_PATH ? { certPath, verify } : undefined;
}

/** `DOCKER_HOST`, with `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` as the docker CLI reads them. */
export const dockerHostEnvStrategy: DiscoveryStrategy = {
  name: "DOCKER_HOST",
  explicit: true,
  find: (environment) => {
    const url = environment.env.DOCKER_HOST;
    if (!url) return undefined;
    const tls = tlsFromEnvironment(environment);
    return { url, source: "DOCKER_HOST", ...(tls ? { tls } : {}) };
  },
};

export const dockerContextStrategy: DiscoveryStrategy = {
  name: "Docker context",
  explicit: true,
  find: (environment) => currentContextEndpoint(environment),
};

function socketStrategy(name: string, paths: (environment: DiscoveryEnvironment) => string[]): DiscoveryStrategy {
  return {
    name,
    explicit: false,
    find: (environment) => {
      const path = paths(environment).find((candidate) => environment.exists(candidate));
      return path ? { url: `unix://${path}`, source: name } : undefined;
    },
  };
}

export const defaultSocketStrategy = socketStrategy("default socket", ({ homeDir }) => [
  "/var/run/docker.sock",
  join(homeDir, ".docker", "run", "docker.sock"),
]);

export const rootlessSocketStrategy = socketStrategy("rootless Docker socket", ({ env, uid }) => [
  ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, "docker.sock")] : []),
  `/run/user/${uid}/docker.sock`,
]);

export const podmanSocketStrategy = socketStrategy("Podman socket", ({ env, uid }) => [
  ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, "podman", "podman.sock")] : []),
  `/run/user/${uid}/podman/podman.sock`,
  "/run/podman/podman.sock",
]);

/** The order engines are looked for in; `doctor` prints which one answered. */
export const DISCOVERY_STRATEGIES: readonly DiscoveryStrategy[] = [
  configuredHostStrategy,
  dockerHostEnvStrategy,
  dockerContextStrategy,
  defaultSocketStrategy,
  rootlessSocketStrategy,
  podmanSocketStrategy,
];

/** A connected engine. */
export interface EngineConnection {
  docker: Docker;
  endpoint: EngineEndpoint;
  /** Engine version, e.g. `20.10.24`. */
  engineVersion: string;
  apiVersion: string;
}

const PING_TIMEOUT_MS = 5_000;

/**
 * Finds and connects to the engine: strategies in order, first answer wins.
 * Rejects with `UNAVAILABLE` and a message listing every place tried, why
 * each failed, and the fix ("Docker not found", "Permission denied").
 */
export async function connectEngine(
  environment: DiscoveryEnvironment,
  strategies: readonly DiscoveryStrategy[] = DISCOVERY_STRATEGIES,
  ping: (endpoint: EngineEndpoint) => Promise<EngineConnection> = pingLocalEndpointOnce,
): Promise<EngineConnection> {
  const tried: string[] = [];
  let permissionDenied = false;
  for (const strategy of strategies) {
    let endpoint: EngineEndpoint | undefined;
    try {
      endpoint = strategy.find(environment);
    } catch (error) {
      throw new BackendError("UNAVAILABLE", `Cannot find the Docker engine: ${(error as Error).message}`, { cause: error });
    }
    if (!endpoint) {
      tried.push(`${strategy.name}: not set or not present`);
      continue;
    }
    if (endpoint.url.startsWith("ssh://")) endpoint = { ...endpoint, ssh: sshSettings(environment.env, environment.homeDir) };
    try {
      return await ping(endpoint);
    } catch (error) {
      const reason = describeConnectError(error, endpoint.url);
      if (reason.permissionDenied) permissionDenied = true;
      tried.push(`${strategy.name} (${endpoint.url}): ${reason.text}`);
      if (strategy.explicit) break;
    }
  }
  const fix = permissionDenied
    ? "Permission denied: add your user to the docker group (`sudo usermod -aG docker $USER`, then log in again) or run with sudo."
    : "Docker not found: install Docker (https://docs.docker.com/engine/install/) and make sure the daemon is running (`docker info`), or set terminal.docker.host / DOCKER_HOST.";
  throw new BackendError("UNAVAILABLE", `No Docker engine answered. Tried:\n  - ${tried.join("\n  - ")}\n${fix}`);
}

/** Local-socket connections this process made, by socket URL (see {@link pingLocalEndpointOnce}). */
const localConnections = new Map<string, Promise<EngineConnection>>();

/**
 * {@link pingEndpoint}, once per process for a plain local socket: a
 * long-lived process that makes a backend per session or channel (mom, a
 * claim from the warm pool) reuses the connection instead of paying another
 * version round trip. A socket that vanished is not found by discovery in
 * the first place, so a cached connection is only used while it exists;
 * TLS and SSH endpoints connect each time.
 */
export function pingLocalEndpointOnce(endpoint: EngineEndpoint): Promise<EngineConnection> {
  if (!endpoint.url.startsWith("unix://") || endpoint.tls !== undefined || endpoint.ssh !== undefined) return pingEndpoint(endpoint);
  let connection = localConnections.get(endpoint.url);
  if (!connection) {
    connection = pingEndpoint(endpoint).catch((error: unknown) => {
      localConnections.delete(endpoint.url);
      throw error;
    });
    localConnections.set(endpoint.url, connection);
  }
  // The strategy that found it this time (`doctor` prints it).
  return connection.then((shared) => ({ ...shared, endpoint }));
}

/** Connects to one endpoint and reads its version; rejects when it does not answer. */
export async function pingEndpoint(endpoint: EngineEndpoint): Promise<EngineConnection> {
  // Loaded on first connection, not at import: dockerode and its protobuf/ssh
  // dependencies cost about half a second, which `monoclaw --version`,
  // `config` and host-only runs should never pay.
  const { default: Dockerode } = await import("dockerode");
  const docker = new Dockerode(endpointToDockerOptions(endpoint));
  const version = await withTimeout(docker.version(), PING_TIMEOUT_MS, `no answer within ${PING_TIMEOUT_MS / 1000} s`);
  return { docker, endpoint, engineVersion: version.Version, apiVersion: version.ApiVersion };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describeConnectError(error: unknown, url: string): { text: string; permissionDenied: boolean } {
  const ssh = url.startsWith("ssh://") ? describeSshFailure(error, url) : undefined;
  if (ssh !== undefined) return { text: ssh, permissionDenied: false };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EACCES") return { text: "permission denied", permissionDenied: true };
  if (code === "ENOENT") return { text: "socket does not exist", permissionDenied: false };
  if (code === "ECONNREFUSED") return { text: "connection refused (daemon not running?)", permissionDenied: false };
  const message = error instanceof Error ? error.message : String(error);
  return { text: message.split("\n")[0] ?? message, permissionDenied: false };
}
