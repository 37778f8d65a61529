import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureProcessSpillDirectory, processSpillDirectory } from "../backend/spill-directory.js";

/**
 * Host files holding the full output of commands whose output was cut for
 * the model. They live on the machine running MonoClaw (not in the backend),
 * in one private directory (mode 0700, random name) created only when a
 * first file is written: by default inside this process's spill directory
 * (`$TMPDIR/monoclaw-output/<pid>-<start>/tools-<random>`), so what a killed
 * process leaves is removed by the next one (see `spill-directory.ts`).
 * Whoever creates the store disposes of it when done: the agent when its
 * session ends, `runAgentTurn` at the end of a turn it made the store for
 * (each of mom's runs).
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
  const directory = join(options.parentDir ?? processSpillDirectory(), `tools-${randomBytes(8).toString("hex")}`);
  const files = new Set<string>();
  return {
    directory,
    ensureDirectory() {
      if (options.parentDir === undefined) ensureProcessSpillDirectory();
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
