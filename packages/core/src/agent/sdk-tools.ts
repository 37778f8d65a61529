import { jsonSchema, tool as aiTool, type Tool } from "ai";
import { z } from "zod";
import type { AgentTool } from "../tools/agent-tool.js";

const sdkTools = new WeakMap<AgentTool, Tool>();

/**
 * The AI SDK view of a tool, made once per tool: its JSON schema is computed
 * here instead of on every model call (converting zod schemas costs
 * milliseconds per call), and input is validated with the tool's own schema.
 */
export function sdkTool(tool: AgentTool): Tool {
  let made = sdkTools.get(tool);
  if (made === undefined) {
    const schema = tool.inputSchema;
    made = aiTool({
      description: tool.description,
      inputSchema: jsonSchema(z.toJSONSchema(schema, { target: "draft-7", io: "input" }) as Parameters<typeof jsonSchema>[0], {
        validate: (value) => {
          const parsed = schema.safeParse(value);
          return parsed.success ? { success: true, value: parsed.data } : { success: false, error: parsed.error };
        },
      }),
    });
    sdkTools.set(tool, made);
  }
  return made;
}
