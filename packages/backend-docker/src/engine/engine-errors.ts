import { BackendError } from "@monoclaw/core/backend";

/** Status code of a dockerode error (`statusCode`), if any. */
export function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

/** The engine said the container does not exist (removed behind our back). */
export function isNoSuchContainer(error: unknown): boolean {
  return statusCodeOf(error) === 404 && /no such container/i.test(engineMessage(error));
}

/** The engine said the container exists but is not running (stopped, engine restarted). */
export function isNotRunning(error: unknown): boolean {
  return statusCodeOf(error) === 409 && /is not running|is paused|is restarting/i.test(engineMessage(error));
}

/** The engine could not be reached at all. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ECONNREFUSED" || code === "ENOENT" || code === "ECONNRESET" || code === "EPIPE" || code === "EACCES";
}

/** The engine's own message (`json.message`), or the error's. */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } } | undefined)?.json;
  if (json && typeof json.message === "string") return json.message;
  return error instanceof Error ? error.message : String(error);
}

/** `UNAVAILABLE` for an engine that stopped answering (see {@link isConnectionError}), with the command that checks the daemon. */
export function engineUnreachableError(error: unknown, activity?: string): BackendError {
  const during = activity === undefined ? "" : ` while ${activity}`;
  return new BackendError("UNAVAILABLE", `The Docker engine stopped answering${during}: ${engineMessage(error)}. Is the daemon running (\`docker info\`)?`, {
    cause: error,
  });
}
