import { posix } from "node:path";
import { defineTool, shellQuote, ToolError, type ExecutionBackend } from "@monoclaw/core";
import { z } from "zod";

/** Largest file `attach` uploads (Slack's own limit is 1 GB; a chat bot has no business near it). */
export const MAX_ATTACH_BYTES = 100 * 1024 * 1024;

export interface AttachToolOptions {
  /** Uploads the bytes to the run's channel or thread; false when Slack refused. */
  upload(filename: string, bytes: Uint8Array, title: string | undefined): Promise<boolean>;
}

const inputSchema = z.object({
  path: z.string().min(1).describe("Path of the file to share, inside the workspace (relative paths start at the workspace)."),
  title: z.string().optional().describe("Title shown in Slack (default: the file name)."),
});

/**
 * `attach`: uploads a file from the workspace to the channel or thread the
 * run answers in.
 *
 * Rules: the path is resolved in the backend's own paths (inside the
 * container in Docker mode, so no host file outside the data directory can
 * be named) and canonicalised there, symlinks included; anything that is not
 * a regular file under the workspace is refused with the reason. Files over
 * {@link MAX_ATTACH_BYTES} are refused.
 */
export function createAttachTool(options: AttachToolOptions) {
  return defineTool({
    name: "attach",
    description:
      "Share a file from the workspace in the Slack conversation (channel or thread) you are answering. Use it for reports, images, archives you produced. Only files inside the workspace can be shared.",
    inputSchema,
    title: (input) => input.path,
    async execute(input, context) {
      const backend = context.backend;
      const workspace = await canonical(backend, backend.workspacePath, context.signal);
      const requested = posix.resolve(backend.workspacePath, input.path);
      if (!inside(requested, backend.workspacePath) && !inside(requested, workspace)) {
        throw new ToolError(`attach only shares files inside the workspace (${backend.workspacePath}); ${requested} is outside it.`);
      }
      const real = await canonical(backend, requested, context.signal);
      if (!inside(real, workspace)) {
        throw new ToolError(`${input.path} resolves to ${real}, which is outside the workspace (${backend.workspacePath}); attach refuses it.`);
      }
      const info = await backend.stat(real, { signal: context.signal });
      if (info.kind !== "file") throw new ToolError(`${input.path} is a ${info.kind}, not a file; attach shares single files (archive a directory first).`);
      if (info.size > MAX_ATTACH_BYTES) {
        throw new ToolError(`${input.path} is ${info.size} bytes; attach shares files up to ${MAX_ATTACH_BYTES} bytes.`);
      }
      const bytes = await backend.readFile(real, { signal: context.signal });
      const filename = posix.basename(real);
      const ok = await options.upload(filename, bytes, input.title);
      if (!ok) return { output: `Slack refused the upload of ${filename}.`, isError: true };
      return { output: `Shared ${filename} (${bytes.length} bytes) in the conversation.` };
    },
  });
}

function inside(path: string, root: string): boolean {
  const base = root.endsWith("/") ? root.slice(0, -1) : root;
  return path === base || path.startsWith(`${base}/`);
}

/** The canonical path (symlinks resolved) as the backend sees it; the path itself when it does not exist. */
async function canonical(backend: ExecutionBackend, path: string, signal: AbortSignal): Promise<string> {
  const result = await backend.exec(`readlink -f -- ${shellQuote(path)}`, { signal, timeoutMs: 15_000 });
  const out = new TextDecoder().decode(result.stdout.head).trim();
  if (result.exitCode !== 0 || out === "") {
    throw new ToolError(`${path} does not exist in the workspace.`);
  }
  return out;
}
