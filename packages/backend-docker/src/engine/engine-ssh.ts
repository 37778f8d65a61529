import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ConnectConfig } from "ssh2";
import { checkKnownHost } from "./ssh-known-hosts.js";

/** Where the user's SSH keys and known hosts are, for an `ssh://` engine. */
export interface SshSettings {
  homeDir: string;
  /** `SSH_AUTH_SOCK`: keys from the SSH agent are tried first. */
  agentSocket?: string;
}

/** The settings of a process whose environment is `env` and home `homeDir`. */
export function sshSettings(env: Readonly<Record<string, string | undefined>>, homeDir: string): SshSettings {
  return { homeDir, ...(env.SSH_AUTH_SOCK ? { agentSocket: env.SSH_AUTH_SOCK } : {}) };
}

/** The host and port of an `ssh://user@host:port` endpoint. */
export interface SshTarget {
  host: string;
  port: number;
}

/** The key files ssh tries when no agent has the key, in its order. */
const IDENTITY_FILES = ["id_rsa", "id_ecdsa", "id_ed25519"];
const SYSTEM_KNOWN_HOSTS = "/etc/ssh/ssh_known_hosts";

/**
 * How the SSH client reaching an `ssh://` engine authenticates and checks the
 * server, as the docker CLI's own ssh would: keys from the agent, else the
 * first unencrypted default key file; the server's host key must be in
 * `~/.ssh/known_hosts` (or the system file), so an engine is never reached
 * through an impostor.
 */
export function sshClientOptions(target: SshTarget, settings: SshSettings): Pick<ConnectConfig, "agent" | "privateKey" | "hostVerifier"> {
  const sshDir = join(settings.homeDir, ".ssh");
  const privateKey = firstUsableKey(IDENTITY_FILES.map((name) => join(sshDir, name)));
  const knownHosts = [join(sshDir, "known_hosts"), SYSTEM_KNOWN_HOSTS].map(readText).filter((text) => text !== undefined);
  return {
    ...(settings.agentSocket ? { agent: settings.agentSocket } : {}),
    ...(privateKey === undefined ? {} : { privateKey }),
    hostVerifier: (key: Buffer) => checkKnownHost(knownHosts, target.host, target.port, key) === "match",
  };
}

/** Why ssh refused the engine's host, and the fix, for an error from the ssh client (else undefined). */
export function describeSshFailure(error: unknown, url: string): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const target = new URL(url);
  const login = `ssh${target.port ? ` -p ${target.port}` : ""} ${target.username ? `${target.username}@` : ""}${target.hostname}`;
  if (/host denied|verification failed/i.test(message)) {
    return `the server's host key is not in ~/.ssh/known_hosts, or does not match it: run \`${login}\` once to check and accept it`;
  }
  if (/authentication methods failed/i.test(message)) {
    return `no key was accepted (tried the SSH agent and ~/.ssh/${IDENTITY_FILES.join(", ~/.ssh/")}; encrypted key files need the agent): check that \`${login} docker version\` works`;
  }
  return undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The first key file that exists and needs no passphrase (those are left to the agent). */
function firstUsableKey(paths: readonly string[]): string | undefined {
  for (const path of paths) {
    const text = readText(path);
    if (text !== undefined && !isEncrypted(text)) return text;
  }
  return undefined;
}

function isEncrypted(key: string): boolean {
  if (key.includes("ENCRYPTED")) return true; // PEM: "Proc-Type: 4,ENCRYPTED" or "BEGIN ENCRYPTED PRIVATE KEY"
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END/.exec(key)?.[1];
  if (body === undefined) return false;
  // openssh-key-v1\0, then the cipher name as a length-prefixed string: "none" when unencrypted.
  const bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
  const magic = "openssh-key-v1\0".length;
  if (bytes.length < magic + 4) return false;
  const length = bytes.readUInt32BE(magic);
  return bytes.subarray(magic + 4, magic + 4 + length).toString("latin1") !== "none";
}
