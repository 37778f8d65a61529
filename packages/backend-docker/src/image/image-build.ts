import { createReadStream, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import type Docker from "dockerode";
import { pack, type Pack } from "tar-stream";
import { BackendError } from "@monoclaw/core/backend";
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
 * directory is streamed as a tar (honouring simple `.dockerignore` patterns),
 * with the Dockerfile added under its own name so it may live anywhere.
 * Progress goes to `onProgress`. Rejects with a BackendError carrying the
 * build's own error message (the failing step's output was already shown).
 */
export async function buildImage(docker: Docker, options: BuildImageOptions): Promise<void> {
  const archive = pack();
  const ignore = readDockerignore(options.contextDir);
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

async function fillContext(archive: Pack, root: string, ignored: (path: string) => boolean, dockerfile: string): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const path = relative(root, full).split(sep).join("/");
      if (path === DOCKERFILE_ENTRY || ignored(path)) continue;
      const stat = lstatSync(full);
      const header = { name: path, mode: stat.mode & 0o7777, mtime: stat.mtime };
      if (stat.isDirectory()) {
        archive.entry({ ...header, type: "directory" });
        await walk(full);
      } else if (stat.isSymbolicLink()) {
        archive.entry({ ...header, type: "symlink", linkname: readlinkSync(full) });
      } else if (stat.isFile()) {
        const entry = archive.entry({ ...header, size: stat.size });
        await pipeline(createReadStream(full), entry);
      }
    }
  };
  await walk(root);
  archive.entry({ name: DOCKERFILE_ENTRY, mode: 0o644 }, dockerfile);
  archive.finalize();
}

/** A matcher for `.dockerignore`: `name`, `dir/`, `*.log`, `**` globs and `!` exceptions, like the docker CLI's common cases. */
export function readDockerignore(contextDir: string): (path: string) => boolean {
  let text = "";
  try {
    text = readFileSync(join(contextDir, ".dockerignore"), "utf8");
  } catch {
    return () => false;
  }
  const rules = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, "");
      const regex = new RegExp(
        `^${pattern
          .split("**")
          .map((part) => part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]"))
          .join(".*")}(/.*)?$`,
      );
      return { negate, regex };
    });
  return (path) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(path)) ignored = !rule.negate;
    return ignored;
  };
}
