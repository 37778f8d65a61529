import { InvalidToolInputError, JSONParseError, NoSuchToolError, TypeValidationError, type ToolResultPart } from "ai";
import { MAX_TOOL_OUTPUT_CHARS, type ToolResult } from "../tools/agent-tool.js";

/** A tool call as the AI SDK streams it; `invalid` calls carry the parse or lookup `error`. */
export interface ToolCallPart {
  toolCallId: string;
  toolName: string;
  input: unknown;
  invalid?: boolean;
  error?: unknown;
}

/** The tool-result part the model receives for a call. */
export function resultPart(call: ToolCallPart, result: ToolResult): ToolResultPart {
  return {
    type: "tool-result",
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    output: result.isError === true ? { type: "error-text", value: result.output } : { type: "text", value: result.output },
  };
}

/** Caps any tool output at {@link MAX_TOOL_OUTPUT_CHARS}, keeping head and tail. */
export function capOutput(text: string): string {
  if (text.length <= MAX_TOOL_OUTPUT_CHARS) return text;
  const half = MAX_TOOL_OUTPUT_CHARS / 2;
  return `${text.slice(0, half)}\n[... ${text.length - MAX_TOOL_OUTPUT_CHARS} characters omitted ...]\n${text.slice(-half)}`;
}

/** What the model is told about a call that could not run: unknown tool, unparsable or invalid arguments. */
export function describeInvalidCall(call: ToolCallPart, available: string[]): string {
  const error = call.error;
  if (NoSuchToolError.isInstance(error) || !available.includes(call.toolName)) {
    return `Unknown tool "${call.toolName}". Available tools: ${available.join(", ")}. Call one of those.`;
  }
  if (InvalidToolInputError.isInstance(error)) {
    const cause = error.cause;
    if (JSONParseError.isInstance(cause)) {
      const text = cause.text.length > 300 ? `${cause.text.slice(0, 300)}...` : cause.text;
      return `The arguments for ${call.toolName} are not valid JSON (${text}). Call ${call.toolName} again with a complete JSON object matching its schema.`;
    }
    if (TypeValidationError.isInstance(cause)) {
      const issues = (cause.cause as { issues?: Array<{ path: PropertyKey[]; message: string }> } | undefined)?.issues;
      const detail =
        issues === undefined ? cause.message : issues.map((issue) => `${issue.path.map(String).join(".") || "(arguments)"}: ${issue.message}`).join("; ");
      return `The arguments for ${call.toolName} do not match its schema: ${detail}. Call ${call.toolName} again with valid arguments.`;
    }
  }
  return `The call to ${call.toolName} could not be run: ${error instanceof Error ? error.message : String(error)}`;
}
