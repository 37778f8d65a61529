import { realpathSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import type Docker from "dockerode";
import { pack, type Pack } from "tar-stream";
import { ConfinedDir } from "@monoclaw/core";
import { BackendError } from "@monoclaw/core/backend";
import { type ContextFilter, readDockerignore } from "./dockerignore.js";
import { followProgress, type ProgressEvent } from "./image-pull.js";

export interface BuildImageOptions {
  /** Build context directory (what COPY sees). */
  contextDir: string;
  /** Dockerfile text (read from `-f`, or the built-in one). */
  dockerfile: string;
  /** Image tag, e.g. `monoclaw-env:latest`. */
  tag: string;
  /** Build arguments (`--build-arg NAME=VALUE`). */
  buildArgs?: Record<string, string>;
  onProgress?: (event: ProgressEvent) => void;
}

/** Where the Dockerfile goes in the context tar: a name no project uses. */
const DOCKERFILE_ENTRY = ".monoclaw.Dockerfile";

/**
 * Builds an image through the Engine API (no docker CLI): the context
 * directory is streamed as a tar (honouring `.dockerignore` by Docker's rules),
 * with the Dockerfile added under its own name so it may live anywhere.
 * Progress goes to `onProgress`. Rejects with a BackendError carrying the
 * build's own error message (the failing step's output was already shown).
 */
export async function buildImage(docker: Docker, options: BuildImageOptions): Promise<void> {
  const archive = pack();
  const ignore = await readDockerignore(options.contextDir);
  const filling = fillContext(archive, options.contextDir, ignore, options.dockerfile);
  const stream = (await docker.buildImage(archive as unknown as NodeJS.ReadableStream, {
    t: options.tag,
    dockerfile: DOCKERFILE_ENTRY,
    rm: true,
    forcerm: true,
    ...(options.buildArgs ? { buildargs: options.buildArgs } : {}),
  })) as NodeJS.ReadableStream;
  try {
    await Promise.all([filling, followProgress(docker, stream, options.onProgress)]);
  } catch (error) {
    archive.destroy();
    throw new BackendError("IO", `Building ${options.tag} failed: ${(error as Error).message.trim()}`, { cause: error });
  }
}

/**
 * Streams the context directory into `archive`. The directory may be one a
 * sandbox writes (a workspace), so it is read through a ConfinedDir: a link
 * is archived as a link, never followed, and a directory or file swapped for
 * a link while the walk runs is refused instead of read from the host.
 */
export async function fillContext(archive: Pack, contextDir: string, filter: ContextFilter, dockerfile: string): Promise<void> {
  const files = new ConfinedDir(realpathSync(contextDir), { label: "the build context" });
  const walk = async (dir: string): Promise<void> => {
    const entries = (await files.readdir(dir)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const { name, kind } of entries) {
      const path = dir === "" ? name : `${dir}/${name}`;
      if (path === DOCKERFILE_ENTRY) continue;
      if (filter.ignores(path)) {
        // An ignored directory is not archived, but an exception may bring back
        // a file under it (`dir` + `!dir/keep`); the engine makes its parents.
        if (kind === "directory" && filter.mayIncludeUnder(path)) await walk(path);
        continue;
      }
      if (kind === "directory") {
        const info = await files.stat(path);
        archive.entry({ name: path, type: "directory", mode: info?.mode ?? 0o755, ...(info ? { mtime: new Date(info.mtimeMs) } : {}) });
        await walk(path);
      } else if (kind === "symlink") {
        archive.entry({ name: path, type: "symlink", linkname: await files.readLink(path) });
      } else if (kind === "file") {
        const { handle, info } = await files.openForRead(path);
        try {
          const entry = archive.entry({ name: path, mode: info.mode & 0o7777, mtime: info.mtime, size: info.size });
          // Exactly the size the header announced, even if the file grows meanwhile.
          if (info.size === 0) entry.end(Buffer.alloc(0));
          else await pipeline(handle.createReadStream({ autoClose: false, start: 0, end: info.size - 1 }), entry);
        } finally {
          await handle.close();
        }
      }
    }
  };
  await walk("");
  archive.entry({ name: DOCKERFILE_ENTRY, mode: 0o644 }, dockerfile);
  archive.finalize();
}
