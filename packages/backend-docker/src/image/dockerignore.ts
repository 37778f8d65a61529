import { realpathSync } from "node:fs";
import { posix } from "node:path";
import dockerignore from "@balena/dockerignore";
import { ConfinedDir, isNotFoundError } from "@monoclaw/core";
import { BackendError } from "@monoclaw/core/backend";

/**
 * What a build context walk asks of `.dockerignore`: is a path left out, and
 * for a directory that is left out, must the walk still look inside it
 * because an exception (`!dir/keep`) may bring something under it back.
 */
export interface ContextFilter {
  ignores(path: string): boolean;
  mayIncludeUnder(dir: string): boolean;
}

const NOTHING_IGNORED: ContextFilter = { ignores: () => false, mayIncludeUnder: () => true };

/**
 * Reads the context's `.dockerignore` (never through a link: the context may
 * be a directory a sandbox writes) and matches it by Docker's rules through
 * @balena/dockerignore, a port of moby's matcher: `**`, parent-directory
 * matches, leading `/`, `#` comments, `!` exceptions where the last match
 * wins, case-sensitive as on Linux.
 */
export async function readDockerignore(contextDir: string): Promise<ContextFilter> {
  let text: string;
  try {
    text = (
      await new ConfinedDir(realpathSync(contextDir), { label: "the build context" }).readFile(".dockerignore", { maxBytes: 1024 * 1024 })
    ).bytes.toString("utf8");
  } catch (error) {
    if (!isNotFoundError(error)) throw new BackendError("INVALID", `cannot read .dockerignore: ${(error as Error).message}`);
    return NOTHING_IGNORED;
  }
  return parseDockerignore(text);
}

/** The matcher for `.dockerignore` text (see readDockerignore). */
export function parseDockerignore(source: string): ContextFilter {
  const text = source.replace(/^\uFEFF/, ""); // moby drops a UTF-8 byte order mark
  // A CommonJS module whose export is also its own .default: typed and run alike.
  const matcher = dockerignore.default({ ignorecase: false }).add(text);
  const exceptions = exceptionPatterns(text);
  return {
    ignores: (path) => matcher.ignores(path),
    // Docker's CLI (moby archive.TarWithOptions) descends into an excluded
    // directory only when an exception's pattern text starts with it, so
    // `!dir/keep` reopens `dir` but `!**/keep` does not: kept the same, so
    // the image holds exactly what `docker build` would put in it.
    mayIncludeUnder: (dir) => exceptions.some((pattern) => `${pattern}/`.startsWith(`${dir}/`)),
  };
}

/** The `!` patterns, cleaned the way moby cleans them (filepath.Clean, no leading `/`). */
function exceptionPatterns(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith("!"))
    .map((line) => posix.normalize(line.slice(1).trim()).replace(/\/+$/, "").replace(/^\/+/, ""))
    .filter((pattern) => pattern !== "" && pattern !== ".");
}
