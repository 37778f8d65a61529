import { z } from "zod";
import { isBackendError } from "../backend/backend-error.js";
import { defineTool, ToolError, type ToolContext, type ToolResult } from "./agent-tool.js";
import { withFileDeadline } from "./file-deadline.js";

const writeInput = z.object({
  path: z.string().min(1).describe("File to create or overwrite (relative paths start at the workspace)."),
  content: z.string().describe("The complete new content of the file."),
});

/**
 * `write`: creates or overwrites a file on the backend with exactly
 * `content`, creating parent directories. Any size (the backend writes
 * bytes, never through a command line). An existing file keeps its mode.
 */
export function createWriteTool() {
  return defineTool({
    name: "write",
    description:
      "Create a file or overwrite it completely with the given content; parent directories are created. " +
      "To change part of an existing file, prefer the edit tool.",
    inputSchema: writeInput,
    title: (input) => input.path,
    execute: (input, context) => withFileDeadline(`Writing ${input.path}`, context.signal, (signal) => writeFile(input, context, signal)),
  });
}

async function writeFile(input: z.infer<typeof writeInput>, context: ToolContext, signal: AbortSignal): Promise<ToolResult> {
  let existed = true;
  try {
    const stat = await context.backend.stat(input.path, { signal });
    if (stat.kind === "directory") throw new ToolError(`${input.path} is a directory; give the path of a file inside it.`);
  } catch (error) {
    if (!isBackendError(error, "ENOENT")) throw error;
    existed = false;
  }
  await context.backend.writeFile(input.path, input.content, { signal });
  const bytes = Buffer.byteLength(input.content);
  const lines = input.content === "" ? 0 : input.content.split("\n").length - (input.content.endsWith("\n") ? 1 : 0);
  return { output: `${existed ? "Overwrote" : "Created"} ${input.path} (${bytes} bytes, ${lines} lines).` };
}
