import type { ExecutionBackend, ShellSession } from "../backend/execution-backend.js";
import { createRedactor } from "../safety/secret-redactor.js";
import type { AgentTool, ToolContext, ToolResult } from "./agent-tool.js";
import { createToolOutputStore, type ToolOutputStore } from "./tool-output-store.js";

/** Runs a tool the way the agent does (schema-parsed input), outside the agent loop. */
export async function runTool(
  tool: AgentTool,
  input: unknown,
  backend: ExecutionBackend,
  options: { outputStore?: ToolOutputStore; vision?: boolean; signal?: AbortSignal; session?: ShellSession } = {},
): Promise<ToolResult & { live: string }> {
  let live = "";
  let session = options.session;
  const store = options.outputStore ?? createToolOutputStore();
  const context: ToolContext = {
    backend,
    session: async () => (session ??= await backend.openSession()),
    toolCallId: "call_test",
    signal: options.signal ?? new AbortController().signal,
    emitOutput: (_stream, text) => void (live += text),
    redactor: createRedactor(),
    outputStore: store,
    vision: options.vision ?? false,
  };
  try {
    return { ...(await tool.execute(tool.inputSchema.parse(input), context)), live };
  } finally {
    if (options.session === undefined) await session?.close();
    if (options.outputStore === undefined) store.dispose();
  }
}
