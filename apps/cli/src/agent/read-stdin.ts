import { usageError } from "../cli-error.js";

/** Largest prompt read from standard input. */
export const MAX_STDIN_PROMPT_BYTES = 10 * 1024 * 1024;

/**
 * Reads all of standard input as UTF-8 (the prompt of `monoclaw run` when it
 * is piped in). Rejects with a usage error past {@link MAX_STDIN_PROMPT_BYTES}.
 */
export async function readPromptFromStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_STDIN_PROMPT_BYTES) {
      throw usageError(
        `The prompt on standard input is larger than ${MAX_STDIN_PROMPT_BYTES / 1024 / 1024} MB; put the material in a file and ask Mona to read it.`,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
