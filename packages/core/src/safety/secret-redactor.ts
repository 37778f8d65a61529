import { MIN_SECRET_LENGTH, isSecretVariable } from "../backend/secret-env.js";

export interface RedactorOptions {
  /** Environment to take secret variables from (those `isSecretVariable` flags: by name or by a credential-shaped value). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Further secret values: configured API keys and the like, with a label for the marker. */
  secrets?: Array<{ label: string; value: string | undefined }>;
}

/**
 * Removes secret values from text. Each occurrence becomes
 * `[REDACTED:<NAME>]`, so the model and the person still see that something
 * was there and which variable it was.
 */
export interface Redactor {
  redact(text: string): string;
  /** A redactor for text arriving in chunks: a secret split across chunks is still caught. */
  stream(): StreamRedactor;
  /** How many distinct values it removes (0: redaction is a no-op). */
  readonly size: number;
}

/**
 * Chunked redaction. `push` returns what is safe to show now; it holds back
 * only a trailing piece that could be the start of a secret. `flush` returns
 * the rest at the end.
 */
export interface StreamRedactor {
  push(chunk: string): string;
  flush(): string;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const labels = new Map<string, string>();
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value !== undefined && value.length >= MIN_SECRET_LENGTH && isSecretVariable(name, value) && !labels.has(value)) labels.set(value, name);
  }
  for (const { label, value } of options.secrets ?? []) {
    if (value !== undefined && value.length >= MIN_SECRET_LENGTH) labels.set(value, label);
  }
  // Longest first, so a secret containing another is replaced whole.
  const values = [...labels.keys()].sort((a, b) => b.length - a.length);
  const pattern = values.length === 0 ? undefined : new RegExp(values.map(escapeRegExp).join("|"), "g");
  const redact = (text: string): string =>
    pattern === undefined || text === "" ? text : text.replace(pattern, (found) => `[REDACTED:${labels.get(found) ?? "secret"}]`);

  /** Length of the longest suffix of `text` that is a proper prefix of some secret. */
  const pendingLength = (text: string): number => {
    let longest = 0;
    for (const value of values) {
      const max = Math.min(value.length - 1, text.length);
      for (let n = max; n > longest; n -= 1) {
        if (text.endsWith(value.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  };

  return {
    redact,
    size: values.length,
    stream() {
      let carry = "";
      return {
        push(chunk) {
          if (pattern === undefined) return chunk;
          const text = redact(carry + chunk);
          const keep = pendingLength(text);
          carry = text.slice(text.length - keep);
          return text.slice(0, text.length - keep);
        },
        flush() {
          const rest = redact(carry);
          carry = "";
          return rest;
        },
      };
    },
  };
}
