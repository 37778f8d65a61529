import { BackendError } from "./backend-error.js";

/** What a path holds when it is not a regular file, in words for a person. */
export type SpecialFileKind = "character device" | "block device" | "FIFO (named pipe)" | "socket" | "directory" | "special file";

/** The kind of a special file from `stat`'s mode bits (`S_IFMT`), or undefined for a regular file. */
export function specialFileKind(mode: number): SpecialFileKind | undefined {
  switch (mode & 0o170000) {
    case 0o100000:
      return undefined;
    case 0o020000:
      return "character device";
    case 0o060000:
      return "block device";
    case 0o010000:
      return "FIFO (named pipe)";
    case 0o140000:
      return "socket";
    case 0o040000:
      return "directory";
    default:
      return "special file";
  }
}

/**
 * The one refusal every backend gives for reading or writing a device, FIFO
 * or socket: reading `/dev/zero` never ends and a FIFO blocks until someone
 * writes, so file operations take regular files only (`INVALID`).
 */
export function notRegularFileError(verb: "read" | "write", path: string, kind: SpecialFileKind): BackendError {
  const hint = verb === "read" ? `look at it with a command instead, e.g. \`head -c 256 '${path}' | od -c\`` : "use a shell command if you mean to write to it";
  return new BackendError("INVALID", `Cannot ${verb} ${path}: it is a ${kind}, not a regular file; file tools take regular files only (${hint})`, { path });
}

/** The refusal for a file holding more than the caller's `maxBytes` (`EFBIG`). */
export function fileTooLargeError(path: string, maxBytes: number): BackendError {
  return new BackendError("EFBIG", `Cannot read ${path}: it holds more than ${maxBytes} bytes, the most this read takes`, { path });
}

/** `maxBytes` as given, or no cap; rejects a negative or non-numeric cap (`INVALID`). */
export function readCap(maxBytes: number | undefined): number {
  if (maxBytes === undefined) return Number.POSITIVE_INFINITY;
  if (typeof maxBytes !== "number" || Number.isNaN(maxBytes) || maxBytes < 0) {
    throw new BackendError("INVALID", `maxBytes must be a number of bytes, 0 or more; got ${String(maxBytes)}`);
  }
  return maxBytes;
}
