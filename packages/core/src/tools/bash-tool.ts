import { z } from "zod";
import type { OutputStreamName } from "../backend/exec-types.js";
import { MIN_TIMER_SECONDS, secondsToTimerMs } from "../backend/timer-duration.js";
import { defineTool, type ToolResult } from "./agent-tool.js";
import { DEFAULT_OUTPUT_LIMITS, OutputCollector, type OutputLimits } from "./output-collector.js";

const bashInput = z.object({
  command: z.string().min(1).describe("The shell command to run."),
  timeout: z
    .number()
    .min(MIN_TIMER_SECONDS)
    .max(24 * 3600)
    .optional()
    .describe("Seconds before the command is ended (default: the configured terminal timeout)."),
});

export interface BashToolOptions {
  /** What the model gets of long output (default about 2000 lines / 50 KB). */
  limits?: OutputLimits;
}

/** The model-facing summary of how a command ended, appended to its output. */
function ending(
  result: { exitCode: number; timedOut: boolean; aborted: boolean; sessionReset?: boolean; notices?: string[] },
  timeoutSeconds?: number,
): string {
  const notes: string[] = [];
  if (result.timedOut) {
    notes.push(
      `[timed out${timeoutSeconds === undefined ? "" : ` after ${timeoutSeconds} s`}: the command and every process it started were ended. Run long jobs with a larger timeout, or in the background with output to a file.]`,
    );
  } else if (result.aborted) {
    notes.push("[aborted by the user: the command and every process it started were ended]");
  } else if (result.exitCode !== 0) {
    notes.push(`[exit code ${result.exitCode}]`);
  }
  if (result.sessionReset === true) notes.push("[the shell was restarted: the working directory and exported variables from earlier commands are gone]");
  // e.g. hosts the sandbox's egress proxy refused: the model should ask the user rather than retry.
  for (const notice of result.notices ?? []) notes.push(`[${notice}]`);
  return notes.join("\n");
}

/**
 * `bash`: runs a command in the agent's shell session on the backend, so
 * `cd` and `export` carry over between calls. Output streams live to the
 * front ends; the model gets stdout and stderr interleaved as they came,
 * capped to head and tail with the path of a host file holding all of it
 * (which `read` pages through). A timeout or abort ends the command and
 * everything it started (the backend's guarantee) and is reported to the
 * model, not thrown.
 */
export function createBashTool(options: BashToolOptions = {}) {
  return defineTool({
    name: "bash",
    description:
      "Run a shell command in a persistent shell session (the working directory and exported variables carry over between calls). " +
      "Returns stdout and stderr interleaved, and the exit code when it is not 0. Long output is cut to its head and tail; " +
      "the full output is saved to a file you can page through with the read tool. Use `timeout` (seconds) for commands that may run long.",
    inputSchema: bashInput,
    title: (input) => input.command,
    approvalCommand: (input) => input.command,
    async execute(input, context): Promise<ToolResult> {
      const session = await context.session();
      const label = `bash-${context.toolCallId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64)}`;
      const collector = new OutputCollector(context.outputStore, label, options.limits ?? DEFAULT_OUTPUT_LIMITS);
      const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
      const redactors = { stdout: context.redactor.stream(), stderr: context.redactor.stream() };
      const deliver = (stream: OutputStreamName, text: string) => {
        if (text === "") return;
        context.emitOutput(stream, text);
        collector.append(text);
      };
      const result = await session
        .exec(input.command, {
          signal: context.signal,
          // The collector keeps (and spills) what the model gets; a second copy in the backend's spill file would only fill the disk.
          maxSpillBytes: 0,
          ...(input.timeout === undefined ? {} : { timeoutMs: secondsToTimerMs(input.timeout) }),
          onOutput: (stream, chunk) => deliver(stream, redactors[stream].push(decoders[stream].decode(chunk, { stream: true }))),
        })
        .catch((error: unknown) => {
          // Close the spill file (say, the engine went away mid-output): the store deletes it, and an open descriptor would keep its disk space.
          collector.finish();
          throw error;
        });
      for (const stream of ["stdout", "stderr"] as const) deliver(stream, redactors[stream].push(decoders[stream].decode()) + redactors[stream].flush());
      const collected = collector.finish();
      const end = ending(result, input.timeout);
      const body = collected.text === "" ? "(no output)" : collected.text.replace(/\n$/, "");
      return {
        output: end === "" ? body : `${body}\n${end}`,
        isError: result.exitCode !== 0,
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        aborted: result.aborted,
        ...(collected.omittedBytes > 0 ? { omittedBytes: collected.omittedBytes } : {}),
      };
    },
  });
}
