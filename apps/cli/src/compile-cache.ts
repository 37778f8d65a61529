import module from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where monoclaw keeps Node's compile cache: the user's cache directory
 * (`$XDG_CACHE_HOME`, else `~/.cache`; `~/Library/Caches` on macOS,
 * `%LOCALAPPDATA%` on Windows), under `monoclaw/compile-cache`. Node adds a
 * subdirectory per Node version itself.
 */
export function compileCacheDirectory(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
  home: () => string = homedir,
): string {
  if (platform === "win32" && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, "monoclaw", "compile-cache");
  if (platform === "darwin") return join(home(), "Library", "Caches", "monoclaw", "compile-cache");
  const base = env.XDG_CACHE_HOME?.startsWith("/") ? env.XDG_CACHE_HOME : join(home(), ".cache");
  return join(base, "monoclaw", "compile-cache");
}

type EnableCompileCache = (directory?: string) => unknown;

/**
 * Turns on Node's on-disk compile cache (Node 22.1 and later; Node 20 has
 * none) so later starts skip compiling the CLI's modules again. A start-up
 * speed-up only: any failure (no home, read-only cache directory) is
 * silent, and `NODE_DISABLE_COMPILE_CACHE=1` or a `NODE_COMPILE_CACHE` the
 * user chose win, as Node documents.
 */
export function enableCompileCache(env: Readonly<Record<string, string | undefined>> = process.env): void {
  const enable = (module as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  if (typeof enable !== "function" || env.NODE_COMPILE_CACHE !== undefined) return;
  try {
    enable(compileCacheDirectory(env));
  } catch {
    // A cache is an optimisation: never a reason for monoclaw to fail or print.
  }
}
