import type { CapturedOutput, ExecOptions, OutputStreamName } from "./exec-types.js";
import { createOutputCapture } from "./output-capture.js";

/** Both output streams of one command: forwards each chunk to `onOutput` and captures it. */
export interface ExecOutput {
  /** Captures and forwards a chunk; returns the listener's promise when it asks to hold the output back. */
  write(stream: OutputStreamName, chunk: Uint8Array): Promise<void> | undefined;
  finish(): { stdout: CapturedOutput; stderr: CapturedOutput };
}

/**
 * Forwards chunks to `options.onOutput` as they come and captures each stream
 * under `options.maxOutputBytes` (see `createOutputCapture`). An exception
 * thrown by `onOutput` is swallowed so a faulty listener cannot break the
 * command's bookkeeping; capture goes on.
 */
export function createExecOutput(options: Pick<ExecOptions, "onOutput" | "maxOutputBytes" | "maxSpillBytes">, spillDirectory?: string): ExecOutput {
  const base = { maxBytes: options.maxOutputBytes, maxSpillBytes: options.maxSpillBytes, spillDirectory };
  const stdout = createOutputCapture({ ...base, label: "stdout" });
  const stderr = createOutputCapture({ ...base, label: "stderr" });
  const onOutput = options.onOutput;
  return {
    write(stream, chunk) {
      if (chunk.length === 0) return undefined;
      (stream === "stdout" ? stdout : stderr).write(chunk);
      if (onOutput === undefined) return undefined;
      try {
        const held = onOutput(stream, chunk);
        // A rejected hold only ends the hold.
        return held instanceof Promise ? held.catch(() => undefined) : undefined;
      } catch {
        // a listener's bug must not lose the output or the result
        return undefined;
      }
    },
    finish() {
      return { stdout: stdout.finish(), stderr: stderr.finish() };
    },
  };
}
