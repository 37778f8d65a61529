import { constants } from "node:fs";
import { lstat, mkdir, open, readdir, readlink, stat, type FileHandle } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  BackendError,
  fileTooLargeError,
  notRegularFileError,
  readCap,
  specialFileKind,
  type BackendErrorCode,
  type DirEntry,
  type FileKind,
  type FileStat,
  type OperationOptions,
  type ReadFileOptions,
  type WriteFileOptions,
} from "@monoclaw/core/backend";

/** How much a read asks for at a time when the size is not known in advance (procfs says 0). */
const READ_CHUNK_BYTES = 64 * 1024;

/**
 * Reads a whole host file, up to `options.maxBytes` (more is `EFBIG`).
 * Opened with O_NONBLOCK, so a FIFO never waits for a writer; what was
 * opened is then checked with fstat, so a device, FIFO or socket swapped in
 * after a check is still refused (`INVALID`). Reads until the end of the
 * file rather than trusting the size (procfs files report 0).
 */
export async function readHostFile(path: string, options: ReadFileOptions = {}): Promise<Uint8Array> {
  try {
    const cap = readCap(options.maxBytes);
    options.signal?.throwIfAborted();
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const info = await handle.stat();
      const kind = specialFileKind(info.mode);
      if (kind === "directory") throw new BackendError("EISDIR", MESSAGES.EISDIR!("read", path), { path });
      if (kind !== undefined) throw notRegularFileError("read", path, kind);
      return await readToEnd(handle, path, cap, info.size, options.signal);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw (await unopenableSpecialFile(error, "read", path)) ?? fileError(error, "read", path);
  }
}

/**
 * A socket cannot be opened at all, nor a FIFO for writing without a reader
 * (ENXIO): say what the path is, as for any other special file.
 */
async function unopenableSpecialFile(error: unknown, verb: "read" | "write", path: string): Promise<BackendError | undefined> {
  if ((error as NodeJS.ErrnoException).code !== "ENXIO") return undefined;
  const kind = await stat(path).then(
    (info) => specialFileKind(info.mode),
    () => undefined,
  );
  return kind === undefined ? undefined : notRegularFileError(verb, path, kind);
}

async function readToEnd(handle: FileHandle, path: string, cap: number, sizeHint: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
  // One byte past the cap tells "exactly the cap" from "more than the cap".
  let buffer = Buffer.allocUnsafeSlow(Math.min(cap + 1, Math.max(sizeHint + 1, READ_CHUNK_BYTES)));
  let length = 0;
  for (;;) {
    signal?.throwIfAborted();
    if (length === buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.min(cap + 1, buffer.length * 2));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
    if (length > cap) throw fileTooLargeError(path, cap);
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}

/**
 * Writes a whole host file, creating missing parent directories. An existing
 * file is overwritten in place, so it keeps its mode and owner; a new file
 * gets `options.mode` (default 0644, minus the umask). Opened with
 * O_NONBLOCK and checked with fstat before anything is truncated: a device,
 * FIFO or socket is refused (`INVALID`), a FIFO without a reader at once.
 */
export async function writeHostFile(path: string, data: string | Uint8Array, options: WriteFileOptions = {}): Promise<void> {
  try {
    options.signal?.throwIfAborted();
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NONBLOCK, options.mode ?? 0o644);
    try {
      const kind = specialFileKind((await handle.stat()).mode);
      if (kind !== undefined) throw notRegularFileError("write", path, kind);
      await handle.truncate(0);
      await handle.writeFile(data, options.signal === undefined ? {} : { signal: options.signal });
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw await writeError(error, path);
  }
}

/** A write failure in words: a FIFO without a reader or a socket (ENXIO) and a link to a missing directory get their own. */
async function writeError(error: unknown, path: string): Promise<BackendError> {
  const special = await unopenableSpecialFile(error, "write", path);
  if (special !== undefined) return special;
  if ((error as NodeJS.ErrnoException).code === "ENOENT") {
    const target = await danglingLinkTarget(path);
    if (target !== undefined) {
      return new BackendError(
        "ENOENT",
        `Cannot write ${path}: it is a symbolic link to ${target}, whose directory ${dirname(target)} does not exist; create that directory, or remove the link (rm '${path}') to write a plain file`,
        { path, cause: error },
      );
    }
  }
  return fileError(error, "write", path);
}

/** Where `path` points when it is a symbolic link (resolved against its directory), else undefined. */
async function danglingLinkTarget(path: string): Promise<string | undefined> {
  try {
    if (!(await lstat(path)).isSymbolicLink()) return undefined;
    return resolve(dirname(path), await readlink(path));
  } catch {
    return undefined;
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
