import { shellQuote } from "@monoclaw/core/backend";

/**
 * The shell command line `monoclaw exec` runs for the words after `--`, the
 * way `docker exec`, `kubectl exec` and `podman exec` treat them: one word is
 * a command line of its own (`monoclaw exec 'make test && ls'`); several words
 * are an argument vector, run exactly as given, each quoted for the shell
 * (`monoclaw exec -- sh -c 'echo a; echo b'` runs sh with two arguments).
 */
export function execCommandLine(words: readonly string[]): string {
  if (words.length === 1) return words[0]!;
  return words.map((word) => shellQuote(word)).join(" ");
}
