import { posix } from "node:path";
import { BackendError, fileTooLargeError, readCap, type BackendErrorCode, type DirEntry, type FileKind, type FileStat } from "@monoclaw/core/backend";
import { FILE_STAT_SHELL_COMMAND } from "./file-size-shell.js";
import { SPECIAL_FILE_SHELL_FUNCTION, SPECIAL_FILE_STATUS, specialFileStatusError } from "./special-file-status.js";

/**
 * Runs a small POSIX `sh` script in the container with positional arguments
 * (paths only, never file contents) and optional stdin bytes, streaming stdout
 * to `onStdout`. Resolves with the exit code and the (small) stderr text.
 */
export type ScriptRunner = (
  script: string,
  args: string[],
  options: { stdin?: Uint8Array; onStdout?: (chunk: Uint8Array) => void; signal?: AbortSignal },
) => Promise<{ exitCode: number | null; stderr: string }>;

/** Exit codes the scripts use for errno-like failures (busybox- and dash-compatible). */
const EXIT_TO_CODE: Record<number, BackendErrorCode> = { 2: "ENOENT", 13: "EACCES", 20: "ENOTDIR", 21: "EISDIR" };

// Streams to the end (procfs files say 0 bytes), at most one byte past the cap ($2) when there is one.
const READ_SCRIPT = `p=$1 max=$2 s=0
${SPECIAL_FILE_SHELL_FUNCTION}
if [ -d "$p" ]; then exit 21; fi
if [ ! -e "$p" ]; then d=$(dirname -- "$p"); if [ -e "$d" ] && [ ! -d "$d" ]; then exit 20; fi; exit 2; fi
[ -r "$p" ] || exit 13
sk "$p"; [ $s = 0 ] || exit $s
if [ -n "$max" ]; then exec head -c $((max + 1)) "$p"; fi
exec cat -- "$p"`;

// New files are created empty with their final mode before any byte is
// written, so a secret is never readable with a wider mode; existing files
// keep their mode and owner (the file is truncated, not replaced).
const WRITE_SCRIPT = `p=$1 mode=$2 s=0 lt=
${SPECIAL_FILE_SHELL_FUNCTION}
d=$(dirname -- "$p")
if [ ! -d "$d" ]; then
  mkdir -p -- "$d" 2>/dev/null || { x=$d; while [ ! -e "$x" ]; do x=$(dirname -- "$x"); done; if [ ! -d "$x" ]; then exit 20; fi; echo "cannot create directory $d" >&2; exit 13; }
fi
if [ -d "$p" ]; then exit 21; fi
sk "$p"; [ $s = 0 ] && dl "$p"
if [ $s = ${SPECIAL_FILE_STATUS.danglingLink} ]; then printf '%s' "$lt" >&2; fi
[ $s = 0 ] || exit $s
if [ ! -e "$p" ] && [ -n "$mode" ]; then : > "$p" || exit 13; chmod "$mode" "$p" || exit 13; fi
cat > "$p" || exit 13`;

const LIST_SCRIPT = `p=$1
if [ ! -e "$p" ]; then exit 2; fi
if [ ! -d "$p" ]; then exit 20; fi
cd -- "$p" 2>/dev/null || exit 13
for f in .* *; do
  case $f in .|..) continue ;; esac
  if [ -L "$f" ]; then k=l; elif [ -d "$f" ]; then k=d; elif [ -f "$f" ]; then k=f; elif [ -e "$f" ]; then k=o; else continue; fi
  printf '%s%s\\0' "$k" "$f"
done`;

const STAT_SCRIPT = `p=$1
if [ ! -e "$p" ]; then d=$(dirname -- "$p"); if [ -e "$d" ] && [ ! -d "$d" ]; then exit 20; fi; exit 2; fi
${FILE_STAT_SHELL_COMMAND}`;

/** File operations through exec streams: binary-safe, any size, contents never on a command line. */
export interface ContainerFiles {
  /** Regular files only, read to their end; more than `maxBytes` is `EFBIG`. */
  readFile(path: string, signal?: AbortSignal, maxBytes?: number): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array, mode: number | undefined, signal?: AbortSignal): Promise<void>;
  listDirectory(path: string, signal?: AbortSignal): Promise<DirEntry[]>;
  stat(path: string, signal?: AbortSignal): Promise<FileStat>;
}

/**
 * File operations in the container. Paths are container paths; relative ones
 * resolve against `workdir`. They go through `sh` scripts fed by exec streams
 * rather than the archive API because the archive API does not see tmpfs
 * mounts (a file "written" to /tmp would be invisible to commands) and would
 * replace a symlink instead of writing through it. Errors are BackendErrors
 * naming the path.
 */
export function createContainerFiles(
  run: ScriptRunner,
  workdir: string,
  /** A faster path for reads and writes (the file channel); paths holding a newline always take the scripts. */
  channel?: {
    write(absolutePath: string, data: Uint8Array, mode: number | undefined, signal?: AbortSignal): Promise<void>;
    /** Undefined: the file changed while read; the script reads it again. */
    read(absolutePath: string, signal?: AbortSignal, maxBytes?: number): Promise<Uint8Array | undefined>;
  },
): ContainerFiles {
  /** Errors from the channel name the absolute path; the caller gave `path`. */
  const renamed = (error: unknown, absolute: string, path: string): unknown =>
    error instanceof BackendError && error.path === absolute
      ? new BackendError(error.code, error.message.replace(absolute, path), { path, cause: error })
      : error;
  const resolvePath = (path: string): string => {
    if (path === "") throw new BackendError("INVALID", "The path is empty; give a file path such as notes.txt", { path });
    if (path.includes("\0")) throw new BackendError("INVALID", `The path ${JSON.stringify(path)} contains a NUL byte`, { path });
    return posix.resolve(workdir, path);
  };

  const fail = (operation: "read" | "write" | "list" | "stat", path: string, exitCode: number | null, stderr: string): never => {
    const special =
      exitCode !== null && (operation === "read" || operation === "write") ? specialFileStatusError(operation, path, exitCode, stderr) : undefined;
    if (special !== undefined) throw special;
    const code = (exitCode !== null && EXIT_TO_CODE[exitCode]) || (/read-only/i.test(stderr) ? "EACCES" : "IO");
    const what: Record<BackendErrorCode, string> = {
      ENOENT: "no such file or directory",
      EACCES: /read-only/i.test(stderr) ? "read-only file system" : "permission denied",
      ENOTDIR: "a parent is not a directory",
      EISDIR: "is a directory",
      EEXIST: "already exists",
      EFBIG: "larger than the cap",
      CWD_NOT_FOUND: "working directory not found",
      UNAVAILABLE: "container unavailable",
      INVALID: "invalid path",
      IO: stderr.trim() || (exitCode === null ? "the engine closed the connection before it finished" : `exit code ${exitCode}`),
    };
    throw new BackendError(code, `Cannot ${operation} ${path} in the container: ${what[code]}`, { path });
  };

  return {
    async readFile(path, signal, maxBytes) {
      const cap = readCap(maxBytes);
      const absolute = resolvePath(path);
      if (channel !== undefined && !absolute.includes("\n")) {
        try {
          const data = await channel.read(absolute, signal, maxBytes);
          if (data !== undefined) return data;
        } catch (error) {
          throw renamed(error, absolute, path);
        }
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      const result = await run(READ_SCRIPT, [absolute, maxBytes === undefined ? "" : String(Math.floor(cap))], {
        signal,
        onStdout: (chunk) => {
          // The demuxer hands out views into socket buffers: keep a copy.
          chunks.push(Uint8Array.prototype.slice.call(chunk));
          size += chunk.length;
        },
      });
      if (result.exitCode !== 0) fail("read", path, result.exitCode, result.stderr);
      if (size > cap) throw fileTooLargeError(path, cap);
      const out = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        out.set(chunk, offset);
        offset += chunk.length;
      }
      return out;
    },
    async writeFile(path, data, mode, signal) {
      const absolute = resolvePath(path);
      if (channel !== undefined && !absolute.includes("\n")) {
        try {
          return await channel.write(absolute, data, mode, signal);
        } catch (error) {
          throw renamed(error, absolute, path);
        }
      }
      const result = await run(WRITE_SCRIPT, [absolute, mode === undefined ? "" : (mode & 0o7777).toString(8)], { stdin: data, signal });
      if (result.exitCode !== 0) fail("write", path, result.exitCode, result.stderr);
    },
    async listDirectory(path, signal) {
      const absolute = resolvePath(path);
      const chunks: Buffer[] = [];
      const result = await run(LIST_SCRIPT, [absolute], { signal, onStdout: (chunk) => chunks.push(Buffer.from(chunk)) });
      if (result.exitCode !== 0) fail("list", path, result.exitCode, result.stderr);
      const kinds: Record<string, FileKind> = { l: "symlink", d: "directory", f: "file", o: "other" };
      return Buffer.concat(chunks)
        .toString("utf8")
        .split("\0")
        .filter((entry) => entry.length > 1)
        .map((entry) => ({ name: entry.slice(1), kind: kinds[entry[0]!] ?? "other" }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async stat(path, signal) {
      const absolute = resolvePath(path);
      const chunks: Buffer[] = [];
      const result = await run(STAT_SCRIPT, [absolute], { signal, onStdout: (chunk) => chunks.push(Buffer.from(chunk)) });
      if (result.exitCode !== 0) fail("stat", path, result.exitCode, result.stderr);
      const [type = "", size = "0", mode = "0", mtime = "0"] = Buffer.concat(chunks).toString("utf8").trim().split("|");
      // stat's %F ("regular file", "directory", "symbolic link") or find's %y (f, d, l) where stat fails.
      const kind: FileKind =
        type.startsWith("regular") || type === "f"
          ? "file"
          : type === "directory" || type === "d"
            ? "directory"
            : type === "symbolic link" || type === "l"
              ? "symlink"
              : "other";
      return { path: absolute, kind, size: Number(size), mode: parseInt(mode, 8), modifiedMs: Math.round(Number(mtime) * 1000) };
    },
  };
}
