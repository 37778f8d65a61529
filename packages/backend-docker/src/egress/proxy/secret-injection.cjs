// @ts-check
// Secretless credentials, the proxy's half: the sandbox holds a placeholder;
// the real value goes into a request's headers only on its way to a host the
// secret is bound to (over TLS the proxy terminated, Host agreeing with the
// server name). A placeholder anywhere else is an exfiltration attempt. The
// real value coming back in a response is turned into the placeholder again,
// so the sandbox never holds it (placeholders have the value's length, so
// Content-Length stays right).
"use strict";

/**
 * @typedef {{ name: string, placeholder: string, value: string, binds: (host: string, port: number) => boolean }} Secret
 */

/** Header values decoded for matching: `Basic base64(user:pass)` is looked into, not just at. */
function basicCredentials(value) {
  const match = /^(\s*basic\s+)([A-Za-z0-9+/=]+)\s*$/i.exec(value);
  if (!match) return undefined;
  return { prefix: match[1], decoded: Buffer.from(match[2], "base64").toString("utf8") };
}

/** @param {string} text @param {Secret[]} secrets */
const placeholdersIn = (text, secrets) => secrets.filter((secret) => text.includes(secret.placeholder));

/**
 * Rewrites raw headers ([name, value, name, value, ...]) for a request to
 * `host`: placeholders of secrets bound to it become the real values;
 * a placeholder of any other secret refuses the request.
 * @param {string[]} rawHeaders @param {string} host @param {number} port @param {Secret[]} secrets
 * @returns {{ headers: string[], substituted: string[], foreign?: { secret: string, header: string } }}
 */
function injectSecrets(rawHeaders, host, port, secrets) {
  const headers = [];
  const substituted = new Set();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    let value = rawHeaders[i + 1];
    const basic = basicCredentials(value);
    const text = basic ? basic.decoded : value;
    let rewritten = text;
    for (const secret of placeholdersIn(text, secrets)) {
      if (!secret.binds(host, port)) return { headers: [], substituted: [], foreign: { secret: secret.name, header: name } };
      rewritten = rewritten.split(secret.placeholder).join(secret.value);
      substituted.add(secret.name);
    }
    if (rewritten !== text) value = basic ? `${basic.prefix}${Buffer.from(rewritten, "utf8").toString("base64")}` : rewritten;
    headers.push(name, value);
  }
  return { headers, substituted: [...substituted] };
}

/**
 * The first secret whose placeholder appears in the request line or headers
 * (plain HTTP, or a CONNECT request): a placeholder is never sent in the clear.
 * @param {string} target @param {string[]} rawHeaders @param {Secret[]} secrets
 */
function placeholderInRequest(target, rawHeaders, secrets) {
  for (const text of [target, ...rawHeaders]) {
    const basic = basicCredentials(text);
    const found = placeholdersIn(basic ? basic.decoded : text, secrets)[0] ?? placeholdersIn(text, secrets)[0];
    if (found) return found;
  }
  return undefined;
}

/**
 * A streaming search-and-replace that never lets a whole match through
 * unseen: it holds back the last (longest needle - 1) bytes of what it has
 * seen until more arrives or the stream ends.
 * @param {{ from: Buffer, to?: Buffer, name: string }[]} needles  `to` replaces (same length); without it a match is only reported
 */
function createStreamScanner(needles) {
  const keep = Math.max(0, ...needles.map((n) => n.from.length - 1));
  let pending = Buffer.alloc(0);
  /** @type {string | undefined} */
  let found;
  const scan = (buffer) => {
    let out = buffer;
    for (const needle of needles) {
      if (needle.from.length === 0 || out.indexOf(needle.from) === -1) continue;
      if (!needle.to) {
        found ??= needle.name;
        continue;
      }
      out = Buffer.from(out); // never write into the caller's chunk
      for (let at = out.indexOf(needle.from); at !== -1; at = out.indexOf(needle.from, at + needle.to.length)) needle.to.copy(out, at);
    }
    return out;
  };
  return {
    /** Bytes safe to pass on now. @param {Buffer} chunk */
    push(chunk) {
      const joined = scan(Buffer.concat([pending, chunk]));
      const cut = Math.max(0, joined.length - keep);
      pending = joined.subarray(cut);
      return joined.subarray(0, cut);
    },
    /** The rest, at the end of the stream. */
    end() {
      const rest = pending;
      pending = Buffer.alloc(0);
      return rest;
    },
    /** The name of the first needle without a replacement that was seen. */
    get found() {
      return found;
    },
  };
}

/** Finds placeholders in a request body (refused: placeholders are substituted in headers only). @param {Secret[]} secrets */
const placeholderScanner = (secrets) => createStreamScanner(secrets.map((s) => ({ from: Buffer.from(s.placeholder), name: s.name })));

/** Turns real values in a response back into placeholders. @param {Secret[]} secrets */
const valueScrubber = (secrets) =>
  createStreamScanner(
    secrets
      .filter((s) => Buffer.byteLength(s.value) === Buffer.byteLength(s.placeholder))
      .map((s) => ({ from: Buffer.from(s.value), to: Buffer.from(s.placeholder), name: s.name })),
  );

/** Response headers with real values turned into placeholders. @param {Record<string, string | string[] | undefined>} headers @param {Secret[]} secrets */
function scrubHeaders(headers, secrets) {
  /** @type {Record<string, string | string[]>} */
  const out = {};
  const scrub = (text) => secrets.reduce((acc, s) => acc.split(s.value).join(s.placeholder), text);
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(scrub) : scrub(value);
  }
  return out;
}

module.exports = { injectSecrets, placeholderInRequest, createStreamScanner, placeholderScanner, valueScrubber, scrubHeaders };
