import { readFileSync } from "node:fs";
import { Agent as HttpsAgent } from "node:https";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import type { DockerOptions } from "dockerode";
import { sshClientOptions, sshSettings, type SshSettings } from "./engine-ssh.js";
import { SshDialAgent } from "./ssh-dial-agent.js";

/** Paths of the client certificates for a TLS `tcp://` endpoint (`ca.pem`, `cert.pem`, `key.pem`). */
export interface TlsMaterial {
  /** Directory holding `ca.pem`, `cert.pem` and `key.pem` (the `DOCKER_CERT_PATH` layout). */
  certPath?: string;
  /** Verify the engine's certificate against `ca.pem` (default true when TLS is used). */
  verify?: boolean;
}

/** Where a Docker Engine answers, and which discovery strategy found it. */
export interface EngineEndpoint {
  /** `unix:///var/run/docker.sock`, `tcp://127.0.0.1:2376`, `ssh://me@box`... */
  url: string;
  /** The strategy that produced it, e.g. `DOCKER_HOST` or `default socket`; `doctor` prints it. */
  source: string;
  tls?: TlsMaterial;
  /** For `ssh://`: where the user's keys and known_hosts are (default: this process's home and agent). */
  ssh?: SshSettings;
}

/**
 * Turns an endpoint into dockerode options. Every connection key is set
 * explicitly because docker-modem otherwise mixes in `DOCKER_HOST` from the
 * environment. Throws an Error naming the endpoint and the fix for an
 * unsupported scheme or unreadable certificates.
 */
export function endpointToDockerOptions(endpoint: EngineEndpoint): DockerOptions {
  const none = { socketPath: undefined, host: undefined, port: undefined, protocol: undefined, ca: undefined, cert: undefined, key: undefined };
  const url = endpoint.url.includes("://") ? endpoint.url : `tcp://${endpoint.url}`;
  if (url.startsWith("unix://")) {
    const socketPath = url.slice("unix://".length);
    if (!socketPath) throw new Error(`Engine endpoint "${endpoint.url}" (${endpoint.source}) has no socket path; write it as unix:///var/run/docker.sock`);
    return { ...none, socketPath };
  }
  if (url.startsWith("npipe://")) {
    return { ...none, socketPath: url.slice("npipe://".length) || "//./pipe/docker_engine" };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`Engine endpoint "${endpoint.url}" (${endpoint.source}) is not a URL; use unix:///path, tcp://host:port or ssh://user@host`);
  }
  if (parsed.protocol === "tcp:" || parsed.protocol === "http:" || parsed.protocol === "https:") {
    const useTls = parsed.protocol === "https:" || endpoint.tls !== undefined || parsed.port === "2376";
    const port = parsed.port || (useTls ? "2376" : "2375");
    const options: DockerOptions = { ...none, host: parsed.hostname, port, protocol: useTls ? "https" : "http" };
    if (useTls && endpoint.tls?.certPath) {
      const dir = endpoint.tls.certPath;
      try {
        options.ca = readFileSync(join(dir, "ca.pem"));
        options.cert = readFileSync(join(dir, "cert.pem"));
        options.key = readFileSync(join(dir, "key.pem"));
      } catch (error) {
        throw new Error(
          `Cannot read the TLS certificates for ${endpoint.url} from ${dir} (${(error as Error).message}); ` +
            "DOCKER_CERT_PATH must hold ca.pem, cert.pem and key.pem",
        );
      }
    }
    if (useTls && endpoint.tls?.verify === false) {
      // DOCKER_TLS_VERIFY unset: encrypt but accept any server certificate, as the docker CLI does.
      delete options.ca;
      (options as DockerOptions & { agent?: HttpsAgent }).agent = new HttpsAgent({ rejectUnauthorized: false, keepAlive: true });
    }
    return options;
  }
  if (parsed.protocol === "ssh:") {
    const port = Number(parsed.port || 22);
    const settings = endpoint.ssh ?? sshSettings(process.env, homedir());
    const username = decodeURIComponent(parsed.username) || userInfo().username;
    const agent = new SshDialAgent({ host: parsed.hostname, port, username, ...sshClientOptions({ host: parsed.hostname, port }, settings) });
    // Plain HTTP over the agent's dial-stdio channels; the host only names the engine in request headers.
    return { ...none, protocol: "http", host: parsed.hostname, port: String(port), agent } as DockerOptions;
  }
  throw new Error(`Engine endpoint "${endpoint.url}" (${endpoint.source}) uses an unsupported scheme; use unix://, tcp:// or ssh://`);
}
