/**
 * Why a backend operation failed. Codes mirror the errno names callers know,
 * (`EFBIG`: more bytes than the caller's cap), plus `UNAVAILABLE` (the backend cannot run anything: engine down, container
 * gone and not re-creatable) and `INVALID` (bad input such as an empty path).
 */
export type BackendErrorCode = "ENOENT" | "EISDIR" | "ENOTDIR" | "EACCES" | "EEXIST" | "EFBIG" | "CWD_NOT_FOUND" | "UNAVAILABLE" | "INVALID" | "IO";

/**
 * The one error type a backend rejects with. Its message is written for a
 * person: it names the path or setting involved and, where there is one, the
 * fix. `path` is the backend path concerned, when there is one.
 */
export class BackendError extends Error {
  override readonly name = "BackendError";
  readonly code: BackendErrorCode;
  readonly path: string | undefined;

  constructor(code: BackendErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options?.path;
  }
}

export function isBackendError(error: unknown, code?: BackendErrorCode): error is BackendError {
  return error instanceof BackendError && (code === undefined || error.code === code);
}
