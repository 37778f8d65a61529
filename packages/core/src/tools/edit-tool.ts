import { z } from "zod";
import { defineTool, ToolError, type ToolContext, type ToolResult } from "./agent-tool.js";
import { withFileDeadline } from "./file-deadline.js";
import { decodeText, isText } from "./file-content.js";
import { readBackendFile } from "./read-backend-file.js";
import { unifiedDiff } from "./unified-diff.js";

const editInput = z.object({
  path: z.string().min(1).describe("File to edit."),
  old_string: z.string().min(1).describe("The exact text to replace, including whitespace and indentation."),
  new_string: z.string().describe("The text to put in its place."),
  replace_all: z.boolean().optional().describe("Replace every occurrence instead of requiring exactly one (default false)."),
});

/** 1-based line numbers where each occurrence of `needle` starts. */
function occurrenceLines(text: string, needle: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let scanned = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
    for (let i = text.indexOf("\n", scanned); i !== -1 && i < at; i = text.indexOf("\n", i + 1)) line += 1;
    scanned = at;
    lines.push(line);
  }
  return lines;
}

/**
 * `edit`: replaces exact text in a file. `old_string` must occur exactly
 * once (or set `replace_all`); no match or several matches is an error
 * telling the model what to do, and the file is left untouched. A file
 * with CRLF line endings matches `old_string` written with LF. Returns a
 * unified diff of the change. The file keeps its mode.
 */
export function createEditTool() {
  return defineTool({
    name: "edit",
    description:
      "Replace exact text in a file. old_string must match the file exactly (whitespace and indentation included) and occur exactly once, " +
      "unless replace_all is true. Read the file first. Returns a unified diff.",
    inputSchema: editInput,
    title: (input) => input.path,
    execute: (input, context) => withFileDeadline(`Editing ${input.path}`, context.signal, (signal) => editFile(input, context, signal)),
  });
}

const EDIT_ADVICE = {
  tooLarge: "too large to edit whole. Change it with bash instead (sed -i, or a small script).",
  missing: "To create a file, use the write tool.",
};

async function editFile(input: z.infer<typeof editInput>, context: ToolContext, signal: AbortSignal): Promise<ToolResult> {
  if (input.old_string === input.new_string) throw new ToolError("old_string and new_string are the same: there is nothing to change.");
  const bytes = await readBackendFile(input.path, context, signal, EDIT_ADVICE);
  if (!isText(bytes)) throw new ToolError(`${input.path} is a binary file; edit only changes text files.`);
  const before = decodeText(bytes);
  let oldString = input.old_string;
  let newString = input.new_string;
  if (!before.includes(oldString) && before.includes("\r\n") && oldString.includes("\n")) {
    oldString = oldString.replace(/\r?\n/g, "\r\n");
    newString = newString.replace(/\r?\n/g, "\r\n");
  }
  const lines = occurrenceLines(before, oldString);
  if (lines.length === 0) {
    throw new ToolError(
      `old_string was not found in ${input.path}. It must match exactly, including whitespace and indentation: read the file again and copy the text from it.`,
    );
  }
  if (lines.length > 1 && input.replace_all !== true) {
    throw new ToolError(
      `old_string occurs ${lines.length} times in ${input.path} (lines ${lines.join(", ")}). Include more surrounding lines to make it unique, or set replace_all to true to change every occurrence.`,
    );
  }
  const after = input.replace_all === true ? before.split(oldString).join(newString) : before.replace(oldString, () => newString);
  await context.backend.writeFile(input.path, after, { signal });
  const count = input.replace_all === true ? `${lines.length} occurrence${lines.length === 1 ? "" : "s"}` : "1 occurrence";
  return { output: `Edited ${input.path} (${count} replaced).\n${unifiedDiff(input.path, before, after)}` };
}
