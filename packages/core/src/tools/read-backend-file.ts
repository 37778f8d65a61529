import { isBackendError } from "../backend/backend-error.js";
import { ToolError, type ToolContext } from "./agent-tool.js";

/** Files larger than this are not loaded whole from a backend; the model is pointed at bash tools. */
export const READ_MAX_FILE_BYTES = 32 * 1024 * 1024;

/**
 * Reads a backend file for `read` and `edit`: at most {@link READ_MAX_FILE_BYTES}
 * (the backend stops at the cap; `stat`'s size is only a quick first check, as
 * procfs files say 0), regular files only.
 */
export async function readBackendFile(
  path: string,
  context: Pick<ToolContext, "backend">,
  signal: AbortSignal,
  advice: {
    /** The end of the too-large message: what to do instead. */
    tooLarge: string;
    /** What to say after "<path> does not exist". */
    missing: string;
  },
): Promise<Uint8Array> {
  try {
    const stat = await context.backend.stat(path, { signal });
    if (stat.kind === "directory") throw new ToolError(`${path} is a directory. List it with bash (ls -la ${path}).`);
    if (stat.size > READ_MAX_FILE_BYTES) throw new ToolError(`${path} is ${stat.size} bytes, ${advice.tooLarge}`);
    return await context.backend.readFile(path, { signal, maxBytes: READ_MAX_FILE_BYTES });
  } catch (error) {
    if (isBackendError(error, "ENOENT")) throw new ToolError(`${path} does not exist (${context.backend.name} backend). ${advice.missing}`);
    if (isBackendError(error, "EFBIG")) throw new ToolError(`${path} holds more than ${READ_MAX_FILE_BYTES} bytes, ${advice.tooLarge}`);
    throw error;
  }
}
