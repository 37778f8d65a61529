import { readdirSync } from "node:fs";
import { join } from "node:path";
import { isEngineSocketPath } from "./protected-host-paths.js";

/** How far {@link findEngineSocket} looks: cheap enough to run on every start and in `doctor`. */
export interface SocketScanLimits {
  /** Levels below the directory (1: its own entries). */
  maxDepth: number;
  /** Directory entries looked at in all, after which the scan stops. */
  maxEntries: number;
}

export const DEFAULT_SOCKET_SCAN_LIMITS: SocketScanLimits = { maxDepth: 3, maxEntries: 5000 };

/**
 * The first engine or runtime socket (see `isEngineSocketPath`) found in
 * `directory`, breadth first, within `limits`; undefined when there is none
 * there (or the directory cannot be read). Symbolic links are not followed: a
 * bind mount shows a link as a link, which resolves inside the container, so
 * only a real socket in the tree reaches a host service. Deeper sockets are
 * not seen: that is the price of a bounded walk.
 */
export function findEngineSocket(directory: string, limits: SocketScanLimits = DEFAULT_SOCKET_SCAN_LIMITS): string | undefined {
  let level = [directory];
  let seen = 0;
  for (let depth = 1; depth <= limits.maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (++seen > limits.maxEntries) return undefined;
        const path = join(dir, entry.name);
        if (entry.isSocket() && isEngineSocketPath(path)) return path;
        if (entry.isDirectory()) next.push(path);
      }
    }
    level = next;
  }
  return undefined;
}
