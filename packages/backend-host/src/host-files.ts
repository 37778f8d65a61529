import { constants } from "node:fs";
import { mkdir, open, readFile, readdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { BackendError, type BackendErrorCode, type DirEntry, type FileKind, type FileStat, type OperationOptions, type WriteFileOptions } from "@monoclaw/core/backend";

/** Reads a whole host file. Rejects with a BackendError naming the path (`ENOENT`, `EISDIR`, ...). */
export async function readHostFile(path: string, options: OperationOptions = {}): Promise<Uint8Array> {
  try {
    const data = await readFile(path, options.signal === undefined ? {} : { signal: options.signal });
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (error) {
    throw fileError(error, "read", path);
  }
}

/**
 * Writes a whole host file, creating missing parent directories. An existing
 * file is overwritten in place, so it keeps its mode and owner; a new file
 * gets `options.mode` (default 0644, minus the umask).
 */
export async function writeHostFile(path: string, data: string | Uint8Array, options: WriteFileOptions = {}): Promise<void> {
  try {
    options.signal?.throwIfAborted();
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, options.mode ?? 0o644);
    try {
      await handle.writeFile(data, options.signal === undefined ? {} : { signal: options.signal });
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fileError(error, "write", path);
  }
}

/** Lists a host directory (names and kinds, sorted by name; symlinks reported as `symlink`). */
export async function listHostDirectory(path: string, options: OperationOptions = {}): Promise<DirEntry[]> {
  try {
    options.signal?.throwIfAborted();
    const entries = await readdir(path, { withFileTypes: true });
    return entries
      .map((entry) => ({
        name: entry.name,
        kind: (entry.isSymbolicLink() ? "symlink" : entry.isDirectory() ? "directory" : entry.isFile() ? "file" : "other") as FileKind,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    throw fileError(error, "list", path);
  }
}

/** Stats a host path, following symlinks. Rejects with `ENOENT` naming the path when nothing is there. */
export async function statHostPath(path: string, options: OperationOptions = {}): Promise<FileStat> {
  try {
    options.signal?.throwIfAborted();
    const info = await stat(path);
    const kind: FileKind = info.isDirectory() ? "directory" : info.isFile() ? "file" : "other";
    return { path, kind, size: info.size, mode: info.mode & 0o7777, modifiedMs: info.mtimeMs };
  } catch (error) {
    throw fileError(error, "stat", path);
  }
}

const MESSAGES: Partial<Record<BackendErrorCode, (verb: string, path: string) => string>> = {
  ENOENT: (verb, path) => `Cannot ${verb} ${path}: no such file or directory`,
  EISDIR: (verb, path) => `Cannot ${verb} ${path}: it is a directory`,
  ENOTDIR: (verb, path) => `Cannot ${verb} ${path}: a part of the path is not a directory`,
  EACCES: (verb, path) => `Cannot ${verb} ${path}: permission denied`,
  EEXIST: (verb, path) => `Cannot ${verb} ${path}: it already exists`,
};

function fileError(error: unknown, verb: string, path: string): BackendError {
  if (error instanceof BackendError) return error;
  const errno = (error as NodeJS.ErrnoException).code;
  if ((error as Error).name === "AbortError") return new BackendError("IO", `Cannot ${verb} ${path}: the operation was aborted`, { path, cause: error });
  const code: BackendErrorCode = errno === "EPERM" ? "EACCES" : errno !== undefined && errno in MESSAGES ? (errno as BackendErrorCode) : "IO";
  const message = MESSAGES[code]?.(verb, path) ?? `Cannot ${verb} ${path}: ${(error as Error).message}`;
  return new BackendError(code, message, { path, cause: error });
}
