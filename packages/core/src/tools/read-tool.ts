import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { z } from "zod";
import { defineTool, ToolError, type ToolContext, type ToolResult } from "./agent-tool.js";
import { withFileDeadline } from "./file-deadline.js";
import { decodeText, imageMediaType, isText } from "./file-content.js";
import { readBackendFile } from "./read-backend-file.js";

const readInput = z.object({
  path: z.string().min(1).describe("File to read (relative paths start at the workspace)."),
  offset: z.number().int().min(1).optional().describe("First line to show, 1-based (default 1)."),
  limit: z.number().int().min(1).optional().describe("How many lines to show (default 2000)."),
});

/** Defaults and caps of one read. */
export const READ_DEFAULT_LINES = 2000;
const READ_MAX_BYTES = 50 * 1024;
const READ_MAX_LINE_CHARS = 2000;

interface Page {
  lines: string[];
  totalLines: number;
}

/** Formats a page like `cat -n`, capping long lines and the total size, and says how to continue. */
function formatPage(page: Page, offset: number, path: string): string {
  if (page.totalLines === 0) return `(${path} is empty)`;
  if (offset > page.totalLines) {
    throw new ToolError(`offset ${offset} is past the end of ${path}, which has ${page.totalLines} lines.`);
  }
  const out: string[] = [];
  let bytes = 0;
  let shown = 0;
  for (const [i, raw] of page.lines.entries()) {
    const line = raw.length > READ_MAX_LINE_CHARS ? `${raw.slice(0, READ_MAX_LINE_CHARS)}... [line cut at ${READ_MAX_LINE_CHARS} characters]` : raw;
    const formatted = `${String(offset + i).padStart(6)}\t${line}`;
    bytes += Buffer.byteLength(formatted) + 1;
    if (bytes > READ_MAX_BYTES && shown > 0) break;
    out.push(formatted);
    shown += 1;
  }
  const last = offset + shown - 1;
  if (last < page.totalLines) out.push(`[lines ${offset}-${last} of ${page.totalLines}; continue with offset=${last + 1}]`);
  return out.join("\n");
}

function pageOfText(text: string, offset: number, limit: number): Page {
  const all = text.split("\n");
  if (all.at(-1) === "") all.pop();
  return { lines: all.slice(offset - 1, offset - 1 + limit), totalLines: all.length };
}

/** Streams a (possibly huge) host file, keeping only the requested lines. */
async function pageOfHostFile(path: string, offset: number, limit: number): Promise<Page> {
  const lines: string[] = [];
  let totalLines = 0;
  const reader = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of reader) {
    totalLines += 1;
    if (totalLines >= offset && lines.length < limit) lines.push(line);
  }
  return { lines, totalLines };
}

const READ_ADVICE = {
  tooLarge: "too large to read whole. Use bash to look into it (head, tail, grep -n, sed -n 'START,ENDp').",
  missing: "Check the path with bash (ls).",
};

/**
 * `read`: a text file with line numbers, paged by `offset`/`limit`. Paths
 * are the backend's, except the full-output files `bash` reported, which
 * are read from the host's {@link ToolOutputStore} (and no other host file).
 * A binary file is refused with a message saying what it is; an image is
 * passed to a model that can see, described to one that cannot.
 */
export function createReadTool() {
  return defineTool({
    name: "read",
    description:
      "Read a text file, with line numbers. Use offset (1-based line) and limit (lines) to page through long files. " +
      "Also reads the full-output files that bash reports for long command output. Images are shown to you when you can see images.",
    inputSchema: readInput,
    title: (input) => input.path,
    execute: (input, context) => withFileDeadline(`Reading ${input.path}`, context.signal, (signal) => readPage(input, context, signal)),
  });
}

async function readPage(input: z.infer<typeof readInput>, context: ToolContext, signal: AbortSignal): Promise<ToolResult> {
  const offset = input.offset ?? 1;
  const limit = input.limit ?? READ_DEFAULT_LINES;
  if (context.outputStore.has(input.path)) {
    return { output: formatPage(await pageOfHostFile(input.path, offset, limit), offset, input.path) };
  }
  const bytes = await readBackendFile(input.path, context, signal, READ_ADVICE);
  const image = imageMediaType(bytes);
  if (image !== undefined) {
    if (!context.vision) {
      return { output: `${input.path} is an image (${image}, ${bytes.length} bytes). This model cannot view images.`, isError: true };
    }
    return { output: `${input.path}: ${image} image, ${bytes.length} bytes, attached.`, images: [{ data: bytes, mediaType: image }] };
  }
  if (!isText(bytes)) {
    throw new ToolError(`${input.path} is a binary file (${bytes.length} bytes), not text. Inspect it with bash instead (file, xxd | head, strings | head).`);
  }
  return { output: formatPage(pageOfText(decodeText(bytes), offset, limit), offset, input.path) };
}
