import { createHash } from "node:crypto";

/** Prefixes tools check a credential's shape by; a placeholder keeps them. Longest first. */
const KNOWN_PREFIXES = [
  "github_pat_",
  "sk-ant-api03-",
  "sk-proj-",
  "sk-ant-",
  "glpat-",
  "xoxb-",
  "xoxp-",
  "ghp_",
  "gho_",
  "ghu_",
  "ghs_",
  "ghr_",
  "hf_",
  "sk-",
  "AKIA",
];
const JWT = /^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const DIGITS = "0123456789";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();
/** Below this a placeholder cannot have the value's length and still be unmistakable. */
const MIN_SHAPED_BYTES = 16;
/** Kept where they are: tokens are split by them (`sk-ant-api03-...`), passwords seldom are. */
const SEPARATORS = "-_.";
/** A shaped placeholder has at least this many characters drawn at random (the rest is the prefix and separators). */
const MIN_DRAWN_CHARACTERS = 12;
const BASE64URL = `${UPPER}${LOWER}${DIGITS}-_`;

/** An endless stream of pseudo-random bytes from a seed (placeholders are public: no key needed). */
function byteStream(seed: string): () => number {
  let block = Buffer.alloc(0);
  let counter = 0;
  let at = 0;
  return () => {
    if (at >= block.length) {
      block = createHash("sha256").update(`${seed}\0${counter++}`).digest();
      at = 0;
    }
    return block[at++] ?? 0;
  };
}

const pick = (alphabet: string, next: () => number) => alphabet[next() % alphabet.length] ?? alphabet[0];
const base64url = (text: string) => Buffer.from(text).toString("base64url");

/**
 * What the sandbox sees instead of a secret: the value's length in bytes (so
 * the proxy can swap it in both directions without changing Content-Length;
 * values under 16 bytes, or with fewer than 12 characters to draw, get a
 * longer placeholder instead), its known prefix (`ghp_`, `sk-`...) and,
 * character by character, its class (digit, upper, lower; the separators
 * `-_.` kept, any other symbol a lower-case letter), or a JWT's shape. It is derived
 * from the sandbox and the secret's name, never from the value, so it stays
 * the same across restarts and tells nothing about the value but its length.
 */
export function secretPlaceholder(sandbox: string, name: string, value: string): string {
  const next = byteStream(`monoclaw-placeholder\0${sandbox}\0${name}`);
  const unmistakable = () => `MONOCLAW_PLACEHOLDER_${Array.from({ length: 12 }, () => pick(LOWER + DIGITS, next)).join("")}`;
  // A short value's look-alike would turn up in ordinary text: a short secret gets a longer, unmistakable placeholder.
  if (Buffer.byteLength(value) < MIN_SHAPED_BYTES) return unmistakable();
  if (JWT.test(value)) {
    const head = `${base64url('{"alg":"none","typ":"JWT"}')}.${base64url(JSON.stringify({ sub: "monoclaw-placeholder", name }))}.`;
    const tail = value.length - head.length;
    if (tail >= 8) return head + Array.from({ length: tail }, () => pick(BASE64URL, next)).join("");
  }
  const prefix = KNOWN_PREFIXES.find((known) => value.startsWith(known) && value.length > known.length + 8) ?? "";
  let placeholder = prefix;
  let drawn = 0;
  for (const char of value.slice(prefix.length)) {
    drawn++;
    if (DIGITS.includes(char)) placeholder += pick(DIGITS, next);
    else if (UPPER.includes(char)) placeholder += pick(UPPER, next);
    else if (SEPARATORS.includes(char)) {
      placeholder += char;
      drawn--;
    } // Any other symbol of a password would be handed to the sandbox as it is: a letter instead, as many bytes.
    else placeholder += Array.from({ length: Buffer.byteLength(char) }, () => pick(LOWER, next)).join("");
  }
  // Mostly separators, the shape would be most of the value; and a placeholder must never be the value.
  return drawn < MIN_DRAWN_CHARACTERS || placeholder === value ? unmistakable() : placeholder;
}
