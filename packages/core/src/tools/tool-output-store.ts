import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Host files holding the full output of commands whose output was cut for
 * the model. They live on the machine running MonoClaw (not in the backend),
 * in one private directory (mode 0700, random name) created only when a
 * first file is written.
 *
 * `read` serves exactly the files registered here, from the host, whatever
 * the backend; every other path goes to the backend. So in Docker mode the
 * model can page through a long output without `read` ever opening other
 * host files.
 */
export interface ToolOutputStore {
  /** The store's directory; it may not exist yet (see {@link ensureDirectory}). */
  readonly directory: string;
  /** Creates the directory (mode 0700) if needed and returns it. */
  ensureDirectory(): string;
  /** Marks a file in {@link directory} as readable by `read`. Throws for a path outside it. */
  register(path: string): void;
  /** Whether `path` is a registered file. */
  has(path: string): boolean;
  /** Deletes the directory and everything in it. Idempotent. */
  dispose(): void;
}

export function createToolOutputStore(options: { parentDir?: string } = {}): ToolOutputStore {
  const directory = join(options.parentDir ?? tmpdir(), `monoclaw-output-${randomBytes(8).toString("hex")}`);
  const files = new Set<string>();
  return {
    directory,
    ensureDirectory() {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      return directory;
    },
    register(path) {
      const full = resolve(path);
      if (!full.startsWith(`${directory}/`)) throw new Error(`${path} is not in the tool output directory ${directory}`);
      files.add(full);
    },
    has: (path) => files.has(resolve(path)),
    dispose() {
      rmSync(directory, { recursive: true, force: true });
      files.clear();
    },
  };
}
