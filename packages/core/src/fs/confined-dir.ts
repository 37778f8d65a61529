// A directory tree that someone else (a sandboxed command) may write to, used
// from the host without ever following a link they made. Linux only: every
// step is taken on an already-open directory through /proc/self/fd, which is
// how openat() is reached from Node (which has no openat binding).
import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { lstat, mkdir, open, readdir, readlink, rename, unlink, type FileHandle } from "node:fs/promises";

const { O_RDONLY, O_WRONLY, O_RDWR, O_APPEND, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;
const DIRECTORY_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
// O_NONBLOCK: opening a FIFO never waits for a writer; the fstat check then refuses it.
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
const APPEND_FLAGS = O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
const TEMP_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY;

/** Why a path was refused. */
export type ConfinedRefusal = "symlink" | "not-a-file" | "not-a-directory" | "hard-linked" | "permission-denied" | "bad-path" | "unsupported";

/** A refusal: the path would have left the tree or is not what it must be. `path` is relative to the root. */
export class ConfinedPathError extends Error {
  readonly code = "ECONFINED";
  constructor(
    readonly reason: ConfinedRefusal,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = "ConfinedPathError";
  }
}

export type ConfinedEntryKind = "file" | "directory" | "symlink" | "other";

export interface ConfinedEntry {
  name: string;
  kind: ConfinedEntryKind;
}

export interface ConfinedStat {
  kind: ConfinedEntryKind;
  size: number;
  mtimeMs: number;
  /** Hard-link count. */
  links: number;
  /** Permission bits (mode & 0o7777). */
  mode: number;
}

export interface ConfinedRead {
  bytes: Buffer;
  /** Size of the file when it was opened (may exceed bytes.length). */
  size: number;
  mtimeMs: number;
  /** True when the file held more than `maxBytes`: `bytes` is its start (or end, with `from: "end"`). */
  truncated: boolean;
}

export interface ConfinedReadOptions {
  /** Never read more than this many bytes into memory. */
  maxBytes: number;
  /** Which end to keep when the file is larger (default "start"). */
  from?: "start" | "end";
}

export interface ConfinedWriteOptions {
  /** Creates missing parent directories (never through a link). */
  makeParents?: boolean;
  /** Mode of a file this call creates (default 0o644). */
  mode?: number;
}

export interface ConfinedDirOptions {
  /** How errors name the tree, e.g. "mom's data directory" (default "the confined directory"). */
  label?: string;
}

/** True for the "no such file or directory" error of a confined operation. */
export function isNotFoundError(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/**
 * Reads and writes inside `root` without ever following a symbolic link,
 * in the last path component or in any parent, and without a window between
 * check and use: the root is opened, then each component is opened relative
 * to the directory already open (`/proc/self/fd/<fd>/<name>` with
 * O_NOFOLLOW, plus O_DIRECTORY for directories), so replacing a directory by
 * a link after it was checked changes nothing. Only regular files are read
 * or appended to (a FIFO never blocks, a device is never opened: the entry is
 * checked with lstat first, and the opened file with fstat); reads are
 * capped. Renames and removals act on the entry itself, never on a link's
 * target (rename(2) and unlink(2) do not follow the last component).
 *
 * The root itself is trusted (the caller chose it); give its real path.
 * Paths are relative, `/`-separated, without `.`, `..` or empty components.
 *
 * Needs Linux's /proc/self/fd: elsewhere every operation fails closed with
 * a ConfinedPathError("unsupported").
 */
export class ConfinedDir {
  private readonly label: string;

  constructor(
    readonly root: string,
    options: ConfinedDirOptions = {},
  ) {
    this.label = options.label ?? "the confined directory";
  }

  /** Reads a regular file, at most `maxBytes` of it. */
  async readFile(path: string, options: ConfinedReadOptions): Promise<ConfinedRead> {
    const { parts, name } = this.split(path, false);
    return this.inParent(parts, false, async (dir) => {
      await this.refuseUnlessRegular(dir, name, path, false);
      const handle = await this.openAt(dir, name, path, READ_FLAGS);
      try {
        const info = await this.regularFileInfo(handle, path);
        return await readCapped(handle, info, options);
      } finally {
        await handle.close();
      }
    });
  }

  /**
   * Opens a regular file for reading (never a link, FIFO or device, in any
   * component) and returns the handle with its fstat; the caller closes it.
   * For streaming a file too large for {@link readFile}.
   */
  async openForRead(path: string): Promise<{ handle: FileHandle; info: Stats }> {
    const { parts, name } = this.split(path, false);
    return this.inParent(parts, false, async (dir) => {
      await this.refuseUnlessRegular(dir, name, path, false);
      const handle = await this.openAt(dir, name, path, READ_FLAGS);
      try {
        return { handle, info: await this.regularFileInfo(handle, path) };
      } catch (error) {
        await handle.close();
        throw error;
      }
    });
  }

  /** The text of a symbolic link (the link itself is read, never followed). */
  async readLink(path: string): Promise<string> {
    const { parts, name } = this.split(path, false);
    return this.inParent(parts, false, (dir) => readlink(at(dir, name)));
  }

  /**
   * Opens a regular file for appending (created when missing) and returns the
   * handle, also readable (for checking the last byte). The caller closes it.
   * A file with more than one hard link is refused: appending would write
   * under another name too.
   */
  async openForAppend(path: string, options: ConfinedWriteOptions = {}): Promise<FileHandle> {
    const { parts, name } = this.split(path, false);
    return this.inParent(parts, options.makeParents ?? false, async (dir) => {
      await this.refuseUnlessRegular(dir, name, path, true);
      const handle = await this.openAt(dir, name, path, APPEND_FLAGS, options.mode ?? 0o644);
      try {
        const info = await this.regularFileInfo(handle, path);
        if (info.nlink > 1) {
          throw new ConfinedPathError(
            "hard-linked",
            path,
            `refused: ${path} in ${this.label} has ${info.nlink} hard links, so appending would also change another file; replace it with a copy (cp ${path} ${path}.new && mv ${path}.new ${path})`,
          );
        }
        return handle;
      } catch (error) {
        await handle.close();
        throw error;
      }
    });
  }

  /** Appends to a regular file (created when missing) and flushes it to disk. */
  async appendFile(path: string, data: string | Uint8Array, options: ConfinedWriteOptions = {}): Promise<void> {
    const handle = await this.openForAppend(path, options);
    try {
      await handle.appendFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /**
   * Replaces `path` atomically: the data goes to a new temporary file (O_EXCL)
   * in the already-open parent directory, is flushed, then renamed over the
   * name. Whatever was at the name (a link included) is replaced, never
   * written through. `data` may be a stream of chunks; when it throws, the
   * temporary file is removed and the name is untouched.
   */
  async writeFileAtomic(path: string, data: string | Uint8Array | AsyncIterable<Uint8Array>, options: ConfinedWriteOptions = {}): Promise<void> {
    const { parts, name } = this.split(path, false);
    await this.inParent(parts, options.makeParents ?? false, async (dir) => {
      const temp = `.${name.slice(0, 200)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
      const handle = await this.openAt(dir, temp, path, TEMP_FLAGS, options.mode ?? 0o644);
      try {
        try {
          if (typeof data === "string" || data instanceof Uint8Array) await handle.writeFile(data);
          else for await (const chunk of data) await handle.write(chunk);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(at(dir, temp), at(dir, name));
      } catch (error) {
        await unlink(at(dir, temp)).catch(() => undefined);
        throw error;
      }
      await dir.sync().catch(() => undefined);
    });
  }

  /** Creates a directory and its missing parents; an existing link in any position is refused. */
  async mkdirp(path: string): Promise<void> {
    const { parts } = this.split(path, true);
    const dir = await this.walk(parts, true);
    await dir.close();
  }

  /** Lists a directory (without following links: a link is listed as kind "symlink"). */
  async readdir(path: string): Promise<ConfinedEntry[]> {
    const { parts } = this.split(path, true);
    const dir = await this.walk(parts, false);
    try {
      const entries = await readdir(`/proc/self/fd/${dir.fd}`, { withFileTypes: true });
      return entries.map((entry) => ({
        name: entry.name,
        kind: entry.isSymbolicLink() ? "symlink" : entry.isFile() ? "file" : entry.isDirectory() ? "directory" : "other",
      }));
    } finally {
      await dir.close();
    }
  }

  /** lstat: what the entry itself is (a link is kind "symlink"); undefined when it or a parent is missing. */
  async stat(path: string): Promise<ConfinedStat | undefined> {
    const { parts, name } = this.split(path, false);
    try {
      return await this.inParent(parts, false, async (dir) => {
        const info = await lstat(at(dir, name));
        return { kind: kindOf(info), size: info.size, mtimeMs: info.mtimeMs, links: info.nlink, mode: info.mode & 0o7777 };
      });
    } catch (error) {
      if (isNotFoundError(error)) return undefined;
      throw error;
    }
  }

  /** Removes a file or link (the link itself, never its target). */
  async unlink(path: string): Promise<void> {
    const { parts, name } = this.split(path, false);
    await this.inParent(parts, false, (dir) => unlink(at(dir, name)));
  }

  /** Renames an entry within the tree (a link moves as a link; nothing is followed). */
  async rename(from: string, to: string, options: { makeParents?: boolean } = {}): Promise<void> {
    const source = this.split(from, false);
    const target = this.split(to, false);
    await this.inParent(source.parts, false, (fromDir) =>
      this.inParent(target.parts, options.makeParents ?? false, (toDir) => rename(at(fromDir, source.name), at(toDir, target.name))),
    );
  }

  // ---- internals ----

  private split(path: string, allowRoot: boolean): { parts: string[]; name: string } {
    const parts = path === "" || path === "." ? [] : path.split("/");
    const bad = parts.find((part) => part === "" || part === "." || part === ".." || part.includes("\0"));
    if (bad !== undefined || (parts.length === 0 && !allowRoot)) {
      throw new ConfinedPathError(
        "bad-path",
        path,
        `refused: ${JSON.stringify(path)} is not a plain relative path in ${this.label} (no leading /, no empty, '.' or '..' components)`,
      );
    }
    return { parts: allowRoot ? parts : parts.slice(0, -1), name: parts.at(-1) ?? "" };
  }

  private async inParent<T>(parts: string[], create: boolean, use: (dir: FileHandle) => Promise<T>): Promise<T> {
    const dir = await this.walk(parts, create);
    try {
      return await use(dir);
    } catch (error) {
      throw this.withTreePath(error, [...parts].join("/"));
    } finally {
      await dir.close();
    }
  }

  /** An errno error names /proc/self/fd/<n>/...; say which path of the tree it was about instead (the code is kept). */
  private withTreePath(error: unknown, parent: string): unknown {
    const e = error as NodeJS.ErrnoException;
    if (error instanceof ConfinedPathError || typeof e?.path !== "string" || !e.path.startsWith("/proc/self/fd/")) return error;
    const name = e.path.replace(/^\/proc\/self\/fd\/\d+\/?/, "");
    const relative = [parent, name].filter(Boolean).join("/") || ".";
    if (e.code === "EACCES" || e.code === "EPERM") return this.permissionRefusal(relative);
    e.message = `${e.code ?? "error"}: ${e.syscall ?? "access"} of ${relative} in ${this.label} failed`;
    e.path = relative;
    return e;
  }

  /** Opens the directory `parts` below the root, one component at a time on the open parent. */
  private async walk(parts: readonly string[], create: boolean): Promise<FileHandle> {
    let dir = await this.openRoot();
    for (let i = 0; i < parts.length; i += 1) {
      const name = parts[i]!;
      const relative = parts.slice(0, i + 1).join("/");
      try {
        const next = await this.openDirAt(dir, name, relative, create);
        await dir.close();
        dir = next;
      } catch (error) {
        await dir.close();
        throw this.withTreePath(error, parts.slice(0, i).join("/"));
      }
    }
    return dir;
  }

  private async openDirAt(dir: FileHandle, name: string, relative: string, create: boolean): Promise<FileHandle> {
    try {
      return await this.openAt(dir, name, relative, DIRECTORY_FLAGS);
    } catch (error) {
      if (!create || !isNotFoundError(error)) throw error;
    }
    try {
      await mkdir(at(dir, name));
    } catch (error) {
      // EEXIST: made meanwhile; the open below (O_NOFOLLOW) refuses it if it is a link.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    return this.openAt(dir, name, relative, DIRECTORY_FLAGS);
  }

  /**
   * A permission error is a refusal like a link: the sandbox can chmod 000 any
   * file or directory of the tree (its root included), and callers that go on
   * after a refusal (mom answers anyway) must not stop on one.
   */
  private permissionRefusal(relative: string): ConfinedPathError {
    return new ConfinedPathError(
      "permission-denied",
      relative,
      `refused: ${relative} in ${this.label} cannot be opened: permission denied (changed inside the sandbox?); make it readable and writable again (chmod u+rw, plus u+x for a directory)`,
    );
  }

  private async openRoot(): Promise<FileHandle> {
    const root = await open(this.root, O_RDONLY | O_DIRECTORY).catch((error: NodeJS.ErrnoException) => {
      throw error.code === "EACCES" || error.code === "EPERM" ? this.permissionRefusal(".") : error;
    });
    try {
      await lstat(`/proc/self/fd/${root.fd}`);
    } catch {
      await root.close();
      throw new ConfinedPathError(
        "unsupported",
        "",
        `refused: ${this.label} (${this.root}) cannot be used safely here: it needs Linux's /proc/self/fd to open files without following links made in the sandbox; run on Linux (or in a Linux container) with /proc mounted`,
      );
    }
    return root;
  }

  /** open(2) of `name` in the open directory; a refusal (link, wrong kind) is described by what the entry is. */
  private async openAt(dir: FileHandle, name: string, relative: string, flags: number, mode?: number): Promise<FileHandle> {
    try {
      return await open(at(dir, name), flags, mode);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ELOOP" || code === "ENOTDIR" || code === "EISDIR") {
        const info = await lstat(at(dir, name)).catch(() => undefined);
        if (info) throw this.refusal(info, relative, (flags & O_DIRECTORY) !== 0 ? "directory" : "file");
      }
      throw error;
    }
  }

  /** lstat before open, so a device or FIFO is refused without being opened at all. */
  private async refuseUnlessRegular(dir: FileHandle, name: string, relative: string, mayBeMissing: boolean): Promise<void> {
    let info: Stats;
    try {
      info = await lstat(at(dir, name));
    } catch (error) {
      if (mayBeMissing && isNotFoundError(error)) return;
      throw error;
    }
    if (!info.isFile()) throw this.refusal(info, relative, "file");
  }

  /** fstat of what was opened: the entry may have been swapped between the lstat and the open. */
  private async regularFileInfo(handle: FileHandle, relative: string): Promise<Stats> {
    const info = await handle.stat();
    if (!info.isFile()) throw this.refusal(info, relative, "file");
    return info;
  }

  private refusal(info: Stats, relative: string, wanted: "file" | "directory"): ConfinedPathError {
    if (info.isSymbolicLink()) {
      return new ConfinedPathError(
        "symlink",
        relative,
        `refused: ${relative} is a symbolic link (made inside the sandbox?); links are not followed in ${this.label}`,
      );
    }
    const what = describeKind(info);
    return wanted === "directory"
      ? new ConfinedPathError("not-a-directory", relative, `refused: ${relative} in ${this.label} is ${what}, not a directory`)
      : new ConfinedPathError(
          "not-a-file",
          relative,
          `refused: ${relative} in ${this.label} is ${what}, not a regular file; only regular files are read or written`,
        );
  }
}

/** The path of `name` inside an open directory: the kernel resolves /proc/self/fd/<fd> to that very directory. */
function at(dir: FileHandle, name: string): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

async function readCapped(handle: FileHandle, info: Stats, options: ConfinedReadOptions): Promise<ConfinedRead> {
  const maxBytes = Math.max(0, options.maxBytes);
  const fromEnd = options.from === "end" && info.size > maxBytes;
  const start = fromEnd ? info.size - maxBytes : 0;
  const buffer = Buffer.alloc(Math.min(info.size, maxBytes));
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  // The file may have grown since fstat: one more byte tells whether there is more.
  let truncated = fromEnd || info.size > maxBytes;
  if (!truncated && filled === maxBytes) {
    const { bytesRead } = await handle.read(Buffer.alloc(1), 0, 1, start + filled);
    truncated = bytesRead > 0;
  }
  return { bytes: buffer.subarray(0, filled), size: info.size, mtimeMs: info.mtimeMs, truncated };
}

function kindOf(info: Stats): ConfinedEntryKind {
  return info.isSymbolicLink() ? "symlink" : info.isFile() ? "file" : info.isDirectory() ? "directory" : "other";
}

function describeKind(info: Stats): string {
  if (info.isDirectory()) return "a directory";
  if (info.isFile()) return "a regular file";
  if (info.isFIFO()) return "a named pipe (FIFO)";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
  if (info.isSocket()) return "a socket";
  return "not a regular file";
}
