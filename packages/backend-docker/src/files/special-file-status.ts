import { BackendError, fileTooLargeError, notRegularFileError, type SpecialFileKind } from "@monoclaw/core/backend";

/**
 * Statuses the container-side file scripts give for what core refuses
 * (see `notRegularFileError`): a device, FIFO or socket, a file over the
 * caller's cap, a write through a symbolic link whose target's directory is
 * missing. Shared by the file channel loop and the one-shot scripts.
 */
export const SPECIAL_FILE_STATUS = { characterDevice: 60, blockDevice: 61, fifo: 62, socket: 63, danglingLink: 64, tooLarge: 27 } as const;

/**
 * `sk PATH`: sets `s` to the status of a special file at PATH (following
 * links), leaves it alone for a regular file or nothing. POSIX `test` only,
 * so busybox ash and dash run it; nothing is opened (a FIFO is never waited on).
 */
export const SPECIAL_FILE_SHELL_FUNCTION = `sk() { if [ -c "$1" ]; then s=${SPECIAL_FILE_STATUS.characterDevice}; elif [ -b "$1" ]; then s=${SPECIAL_FILE_STATUS.blockDevice}; elif [ -p "$1" ]; then s=${SPECIAL_FILE_STATUS.fifo}; elif [ -S "$1" ]; then s=${SPECIAL_FILE_STATUS.socket}; fi; }
dl() { if [ -L "$1" ] && [ ! -e "$1" ]; then lt=$(readlink -- "$1"); case $lt in /*) ;; *) lt=\${1%/*}/$lt ;; esac; lp=\${lt%/*}; [ -n "$lp" ] || lp=/; if [ ! -d "$lp" ]; then s=${SPECIAL_FILE_STATUS.danglingLink}; fi; fi; }`;

const KINDS: Record<number, SpecialFileKind> = {
  [SPECIAL_FILE_STATUS.characterDevice]: "character device",
  [SPECIAL_FILE_STATUS.blockDevice]: "block device",
  [SPECIAL_FILE_STATUS.fifo]: "FIFO (named pipe)",
  [SPECIAL_FILE_STATUS.socket]: "socket",
};

/**
 * The BackendError for one of {@link SPECIAL_FILE_STATUS}, or undefined for
 * any other status. `detail` is the link target for a dangling link.
 */
export function specialFileStatusError(verb: "read" | "write", path: string, status: number, detail: string, maxBytes?: number): BackendError | undefined {
  const kind = KINDS[status];
  if (kind !== undefined) return notRegularFileError(verb, path, kind);
  if (status === SPECIAL_FILE_STATUS.tooLarge && maxBytes !== undefined) return fileTooLargeError(path, maxBytes);
  if (status === SPECIAL_FILE_STATUS.danglingLink) {
    const target = detail.trim();
    const directory = target.slice(0, target.lastIndexOf("/")) || "/";
    return new BackendError(
      "ENOENT",
      `Cannot write ${path}: it is a symbolic link to ${target}, whose directory ${directory} does not exist; create that directory, or remove the link (rm '${path}') to write a plain file`,
      { path },
    );
  }
  return undefined;
}
