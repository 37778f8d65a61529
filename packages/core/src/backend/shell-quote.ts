/**
 * Quotes `text` as one POSIX shell word: single quotes, with each `'` written
 * as `'\''`. The result is always a complete, literal word, whatever `text`
 * holds (newlines, `$`, backquotes, unbalanced quotes), in sh, dash, bash and
 * busybox ash. NUL bytes cannot be passed to a shell and are rejected.
 */
export function shellQuote(text: string): string {
  if (text.includes("\0")) throw new TypeError("A shell word cannot contain a NUL byte");
  return `'${text.replaceAll("'", "'\\''")}'`;
}
