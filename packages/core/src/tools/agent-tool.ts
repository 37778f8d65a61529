import type { z } from "zod";
import type { ExecutionBackend, ShellSession } from "../backend/execution-backend.js";
import type { OutputStreamName } from "../backend/exec-types.js";
import type { Redactor } from "../safety/secret-redactor.js";
import type { ToolOutputStore } from "./tool-output-store.js";

/** An image a tool hands to a model that can see. */
export interface ToolImage {
  data: Uint8Array;
  mediaType: string;
}

/**
 * What a tool call produced. `output` is the text the model receives (the
 * agent redacts it and caps it at {@link MAX_TOOL_OUTPUT_CHARS}); `isError`
 * tells the model the call failed.
 */
export interface ToolResult {
  output: string;
  isError?: boolean;
  exitCode?: number;
  timedOut?: boolean;
  aborted?: boolean;
  /** Bytes of what the tool produced that `output` leaves out (a long command output cut to head and tail). */
  omittedBytes?: number;
  /** Images for the model; sent only when the model can see ({@link ToolContext.vision}). */
  images?: ToolImage[];
}

/** Everything a tool may use while it runs. Given by the agent, one per call. */
export interface ToolContext {
  backend: ExecutionBackend;
  /** The agent's shell session (opened on first use): `cd` and `export` carry over between calls. */
  session(): Promise<ShellSession>;
  toolCallId: string;
  /** Aborted when the person aborts the turn: end what you are doing and return promptly. */
  signal: AbortSignal;
  /** Sends live output to the front ends as `tool-output` events (the agent redacts it again as a safety net). */
  emitOutput(stream: OutputStreamName, text: string): void;
  /** Removes secret values; a tool that stores output for later reading redacts it first. */
  redactor: Redactor;
  /** Host files holding full outputs, which `read` serves; see {@link ToolOutputStore}. */
  outputStore: ToolOutputStore;
  /** Whether the model can see images. */
  vision: boolean;
}

/**
 * A tool the agent offers the model. Written once against the backend
 * contract, so it works on every backend; mom adds its own (`attach`) the
 * same way.
 *
 * Rules:
 * - `execute` receives input already validated against `inputSchema`;
 *   malformed input never reaches it (the model gets a tool error instead).
 * - A failure the model can act on is a result with `isError: true`, or a
 *   thrown {@link ToolError} / `BackendError`, whose message goes to the model
 *   as is. Any other exception is also reported to the model, never a crash.
 * - On `signal` abort, `execute` ends its work and returns (or throws) promptly.
 */
export interface AgentTool<Input = any> {
  name: string;
  /** What the model reads to decide when and how to call it. */
  description: string;
  inputSchema: z.ZodType<Input>;
  /** One line for front ends: the command, the path. */
  title(input: Input): string;
  /** The shell command this call would run, screened for approval (`bash` only). */
  approvalCommand?(input: Input): string | undefined;
  execute(input: Input, context: ToolContext): Promise<ToolResult>;
}

/** Identity helper that types `execute`'s input from the schema. */
export function defineTool<Schema extends z.ZodType>(tool: AgentTool<z.infer<Schema>> & { inputSchema: Schema }): AgentTool<z.infer<Schema>> {
  return tool;
}

/** A failure whose message is written for the model (what went wrong and what to do instead). */
export class ToolError extends Error {
  override readonly name = "ToolError";
}

/** Cap on any tool's text output before it reaches the model (bash and read cap themselves lower). */
export const MAX_TOOL_OUTPUT_CHARS = 100_000;
