// @ts-check
// Just enough X.509 for the egress proxy's own certificate authority: a
// self-signed CA and leaf certificates for the hosts a secret is bound to.
// Node can parse certificates (crypto.X509Certificate) but not make them, and
// the proxy has no dependencies, so the DER is written here. ECDSA P-256 with
// SHA-256 throughout; the CA's private key never leaves the proxy's memory.
"use strict";
const crypto = require("node:crypto");
const net = require("node:net");

// ---------------------------------------------------------------- DER

/** @param {number} length */
function derLength(length) {
  if (length < 0x80) return Buffer.from([length]);
  const bytes = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** @param {number} tag @param {Buffer} content */
const tlv = (tag, content) => Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
/** @param {Buffer[]} items */
const sequence = (...items) => tlv(0x30, Buffer.concat(items));
/** @param {Buffer[]} items */
const set = (...items) => tlv(0x31, Buffer.concat(items));
/** @param {number} n @param {Buffer} content */
const explicit = (n, content) => tlv(0xa0 + n, content);
/** @param {Buffer} bytes */
const octetString = (bytes) => tlv(0x04, bytes);
/** @param {boolean} value */
const boolean = (value) => tlv(0x01, Buffer.from([value ? 0xff : 0]));

/** @param {string} dotted */
function objectId(dotted) {
  const parts = dotted.split(".").map(Number);
  const bytes = [40 * parts[0] + parts[1]];
  for (const part of parts.slice(2)) {
    const group = [part & 0x7f];
    for (let rest = Math.floor(part / 128); rest > 0; rest = Math.floor(rest / 128)) group.unshift(0x80 | (rest & 0x7f));
    bytes.push(...group);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** A non-negative INTEGER from big-endian bytes (minimal, with a leading zero when the top bit is set). */
function unsignedInteger(bytes) {
  let value = bytes;
  while (value.length > 1 && value[0] === 0 && !(value[1] & 0x80)) value = value.subarray(1);
  return tlv(0x02, value[0] & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
}

/** A BIT STRING of whole bytes, or of one byte with `unused` trailing bits. */
const bitString = (bytes, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function time(date) {
  const digits = date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`));
}

/** @param {string} commonName */
const distinguishedName = (commonName) => sequence(set(sequence(objectId("2.5.4.3"), tlv(0x0c, Buffer.from(commonName, "utf8")))));

/** @param {string} id @param {boolean} critical @param {Buffer} value */
const extension = (id, critical, value) => sequence(objectId(id), ...(critical ? [boolean(true)] : []), octetString(value));

const ECDSA_WITH_SHA256 = sequence(objectId("1.2.840.10045.4.3.2"));
const KEY_USAGE_CERT_SIGN_CRL_SIGN = bitString(Buffer.from([0x06]), 1);
const KEY_USAGE_DIGITAL_SIGNATURE = bitString(Buffer.from([0x80]), 7);
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

/** subjectAltName entries: dNSName for names, iPAddress for literal addresses. */
function alternativeNames(hosts) {
  return sequence(
    ...hosts.map((host) => {
      if (net.isIPv4(host)) return tlv(0x87, Buffer.from(host.split(".").map(Number)));
      return tlv(0x82, Buffer.from(host, "ascii"));
    }),
  );
}

/** @param {crypto.KeyObject} publicKey */
const keyIdentifier = (publicKey) =>
  crypto
    .createHash("sha1")
    .update(/** @type {Buffer} */ (publicKey.export({ type: "spki", format: "der" })))
    .digest();

function toPem(der) {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/**
 * @param {{ subject: string, issuer: string, publicKey: crypto.KeyObject, signingKey: crypto.KeyObject,
 *   days: number, extensions: Buffer[] }} spec
 */
function signCertificate(spec) {
  const serial = crypto.randomBytes(16);
  serial[0] &= 0x7f;
  const notBefore = new Date(Date.now() - 60 * 60 * 1000); // an hour back: clocks in containers drift
  const notAfter = new Date(Date.now() + spec.days * 24 * 60 * 60 * 1000);
  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))), // v3
    unsignedInteger(serial),
    ECDSA_WITH_SHA256,
    distinguishedName(spec.issuer),
    sequence(time(notBefore), time(notAfter)),
    distinguishedName(spec.subject),
    /** @type {Buffer} */ (spec.publicKey.export({ type: "spki", format: "der" })),
    explicit(3, sequence(...spec.extensions)),
  );
  const signature = crypto.sign("sha256", tbs, spec.signingKey);
  return toPem(sequence(tbs, ECDSA_WITH_SHA256, bitString(signature)));
}

/**
 * A new certificate authority (key in memory only) that issues leaf
 * certificates for named hosts, each cached until a week before it expires.
 * @param {string} commonName
 */
function createCertificateAuthority(commonName) {
  const ca = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const caKeyId = keyIdentifier(ca.publicKey);
  const certificatePem = signCertificate({
    subject: commonName,
    issuer: commonName,
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    days: 365,
    extensions: [
      extension("2.5.29.19", true, sequence(boolean(true), unsignedInteger(Buffer.from([0])))), // CA, path length 0
      extension("2.5.29.15", true, KEY_USAGE_CERT_SIGN_CRL_SIGN),
      extension("2.5.29.14", false, octetString(caKeyId)),
    ],
  });
  // One key for every leaf: they are all served by this process alone.
  const leafKey = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const leafKeyPem = /** @type {string} */ (leafKey.privateKey.export({ type: "pkcs8", format: "pem" }));
  /** @type {Map<string, { pem: string, renewAt: number }>} */
  const leaves = new Map();
  const LEAF_DAYS = 30;
  return {
    certificatePem,
    leafKeyPem,
    /** A leaf certificate (PEM) for `host`, signed by this CA. @param {string} host */
    leafFor(host) {
      const cached = leaves.get(host);
      if (cached && cached.renewAt > Date.now()) return cached.pem;
      const pem = signCertificate({
        subject: host,
        issuer: commonName,
        publicKey: leafKey.publicKey,
        signingKey: ca.privateKey,
        days: LEAF_DAYS,
        extensions: [
          extension("2.5.29.19", true, sequence()),
          extension("2.5.29.15", true, KEY_USAGE_DIGITAL_SIGNATURE),
          extension("2.5.29.37", false, sequence(objectId(SERVER_AUTH))),
          extension("2.5.29.17", false, alternativeNames([host])),
          extension("2.5.29.14", false, octetString(keyIdentifier(leafKey.publicKey))),
          extension("2.5.29.35", false, sequence(tlv(0x80, caKeyId))),
        ],
      });
      leaves.set(host, { pem, renewAt: Date.now() + (LEAF_DAYS - 7) * 24 * 60 * 60 * 1000 });
      return pem;
    },
  };
}

module.exports = { createCertificateAuthority };
