import { createHmac } from "node:crypto";

/** What known_hosts says about a host's key: as OpenSSH's `StrictHostKeyChecking yes` decides. */
export type HostKeyVerdict = "match" | "mismatch" | "unknown" | "revoked";

/**
 * Checks `key` (the server's raw public key blob) for `host`:`port` against
 * the text of known_hosts files, the way ssh does: plain, wildcard (`*`, `?`),
 * negated (`!`) and hashed (`|1|salt|hash`) host patterns; `[host]:port` for
 * ports other than 22; `@revoked` lines refuse their key; `@cert-authority`
 * lines are not host keys and are skipped.
 */
export function checkKnownHost(knownHostsTexts: readonly string[], host: string, port: number, key: Uint8Array): HostKeyVerdict {
  const name = port === 22 ? host : `[${host}]:${port}`;
  let known = false;
  let matched = false;
  for (const text of knownHostsTexts) {
    for (const line of text.split("\n")) {
      const entry = parseLine(line);
      if (entry === undefined || entry.marker === "@cert-authority" || !hostMatches(entry.hosts, name)) continue;
      const same = Buffer.from(entry.key, "base64").equals(key);
      if (entry.marker === "@revoked") {
        if (same) return "revoked";
        continue;
      }
      known = true;
      matched ||= same;
    }
  }
  if (matched) return "match";
  return known ? "mismatch" : "unknown";
}

interface KnownHostLine {
  marker?: string;
  hosts: string;
  key: string;
}

function parseLine(line: string): KnownHostLine | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields[0] === undefined || fields[0] === "" || fields[0].startsWith("#")) return undefined;
  const marker = fields[0].startsWith("@") ? fields.shift() : undefined;
  const [hosts, , key] = fields;
  if (hosts === undefined || key === undefined) return undefined;
  return { ...(marker === undefined ? {} : { marker }), hosts, key };
}

/** A comma-separated pattern list matches when some pattern does and no negated one does. */
function hostMatches(patterns: string, name: string): boolean {
  let matched = false;
  for (const pattern of patterns.split(",")) {
    if (pattern.startsWith("!")) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith("|1|")) {
    const [salt, hash] = pattern.slice(3).split("|");
    if (salt === undefined || hash === undefined) return false;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  const glob = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${glob}$`, "i").test(name);
}
