// @ts-check
// Secretless credentials, the proxy's half: the sandbox holds a placeholder;
// the real value goes into a request's headers only on its way to a host the
// secret is bound to (over TLS the proxy terminated, Host agreeing with the
// server name). A placeholder anywhere else is an exfiltration attempt. The
// real value coming back in a response is turned into the placeholder again,
// so the sandbox never holds it (placeholders have the value's length, so
// Content-Length stays right; a shorter value is masked with `*` in a body).
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

/**
 * Headers a credential travels in (Authorization, Cookie, x-api-key, private-token, X-Vault-Token...).
 * Only these get a value: in any other header the host might pass it on (a callback URL, a Referer).
 */
const CREDENTIAL_HEADER = /^(authorization|cookie)$|auth|token|key|secret|session|credential|password|signature/i;

/** A value as a header holds it: its UTF-8 bytes, one latin1 character each (as Node reads and writes headers). @param {string} text */
const inHeader = (text) => Buffer.from(text, "utf8").toString("latin1");

/** @param {string} text @param {Secret[]} secrets */
const placeholdersIn = (text, secrets) => secrets.filter((secret) => text.includes(secret.placeholder));

/** A real form and the form the sandbox wrote (a Basic token the proxy re-encoded): scrubbed from the response like a value. @typedef {{ from: string, to: string }} Echo */

/**
 * Rewrites raw headers ([name, value, name, value, ...]) for a request to
 * `host`: placeholders of secrets bound to it become the real values in
 * credential headers; a placeholder of any other secret, or in any other
 * header, refuses the request.
 * @param {string[]} rawHeaders @param {string} host @param {number} port @param {Secret[]} secrets
 * @returns {{ headers: string[], substituted: string[], echoes: Echo[], foreign?: { secret: string, header: string, credential: boolean } }}
 */
function injectSecrets(rawHeaders, host, port, secrets) {
  const headers = [];
  const substituted = new Set();
  /** @type {Echo[]} */
  const echoes = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    let value = rawHeaders[i + 1];
    const basic = basicCredentials(value);
    const text = basic ? basic.decoded : value;
    let rewritten = text;
    for (const secret of placeholdersIn(text, secrets)) {
      if (!secret.binds(host, port) || !CREDENTIAL_HEADER.test(name))
        return { headers: [], substituted: [], echoes: [], foreign: { secret: secret.name, header: name, credential: CREDENTIAL_HEADER.test(name) } };
      // Basic credentials are re-encoded from UTF-8 below; a bare header takes the bytes.
      rewritten = rewritten.split(secret.placeholder).join(basic ? secret.value : inHeader(secret.value));
      substituted.add(secret.name);
    }
    if (rewritten !== text && basic) {
      // The value in base64 is the value still: an upstream echoing the header must not hand it back.
      const encoded = Buffer.from(rewritten, "utf8").toString("base64");
      echoes.push({ from: encoded, to: value.slice(basic.prefix.length).trim() });
      value = `${basic.prefix}${encoded}`;
    } else if (rewritten !== text) value = rewritten;
    headers.push(name, value);
  }
  return { headers, substituted: [...substituted], echoes };
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

/** What replaces `from` in a body: `to`, or a mask of `from`'s length where `to` is longer or shorter (Content-Length holds). */
function sameLength(from, to) {
  const length = Buffer.byteLength(from);
  return Buffer.byteLength(to) === length ? Buffer.from(to) : Buffer.alloc(length, "*");
}

/** Every real form a response may hold, with what the sandbox gets instead. @param {Secret[]} secrets @param {Echo[]} echoes */
const realForms = (secrets, echoes) => [
  ...secrets.map((s) => ({ from: s.value, to: s.placeholder, name: s.name })),
  ...echoes.map((e) => ({ ...e, name: "" })),
];

/** Turns real values (and `echoes`) in a response body back into placeholders. @param {Secret[]} secrets @param {Echo[]} [echoes] */
const valueScrubber = (secrets, echoes = []) =>
  createStreamScanner(realForms(secrets, echoes).map((f) => ({ from: Buffer.from(f.from), to: sameLength(f.from, f.to), name: f.name })));

/** Response headers (names too) with real values (and `echoes`) turned into placeholders. @param {Record<string, string | string[] | undefined>} headers @param {Secret[]} secrets @param {Echo[]} [echoes] */
function scrubHeaders(headers, secrets, echoes = []) {
  /** @type {Record<string, string | string[]>} */
  const out = {};
  const forms = realForms(secrets, echoes).map((f) => ({ ...f, from: inHeader(f.from) }));
  const scrub = (text) => forms.reduce((acc, f) => acc.split(f.from).join(f.to), text);
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[scrub(name)] = Array.isArray(value) ? value.map(scrub) : scrub(value);
  }
  return out;
}

module.exports = { injectSecrets, placeholderInRequest, createStreamScanner, placeholderScanner, valueScrubber, scrubHeaders };
