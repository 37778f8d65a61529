import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Host files holding the full output of commands whose output was cut for
 * the model. They live on the machine running MonoClaw (not in the backend),
 * in one private directory (mode 0700) made on first use.
 *
 * `read` serves exactly the files registered here, from the host, whatever
 * the backend; every other path goes to the backend. So in Docker mode the
 * model can page through a long output without `read` ever opening other
 * host files.
 */
export interface ToolOutputStore {
  /** The store's private directory (created on first call). */
  directory(): string;
  /** Marks a file in {@link directory} as readable by `read`. */
  register(path: string): void;
  /** Whether `path` is a registered file. */
  has(path: string): boolean;
  /** Deletes the directory and everything in it. Idempotent. */
  dispose(): void;
}

export function createToolOutputStore(options: { parentDir?: string } = {}): ToolOutputStore {
  let dir: string | undefined;
  const files = new Set<string>();
  return {
    directory() {
      dir ??= mkdtempSync(join(options.parentDir ?? tmpdir(), "monoclaw-output-"));
      return dir;
    },
    register(path) {
      const full = resolve(path);
      if (dir === undefined || !full.startsWith(`${dir}/`)) throw new Error(`${path} is not in the tool output directory`);
      files.add(full);
    },
    has: (path) => files.has(resolve(path)),
    dispose() {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
      files.clear();
    },
  };
}
