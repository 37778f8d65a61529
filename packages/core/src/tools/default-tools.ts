import type { AgentTool } from "./agent-tool.js";
import { createBashTool, type BashToolOptions } from "./bash-tool.js";
import { createEditTool } from "./edit-tool.js";
import { createReadTool } from "./read-tool.js";
import { createWriteTool } from "./write-tool.js";

/** The tools every MonoClaw agent has: `bash`, `read`, `write`, `edit`. Front ends append their own (mom: `attach`). */
export function createDefaultTools(options: { bash?: BashToolOptions } = {}): AgentTool[] {
  return [createBashTool(options.bash), createReadTool(), createWriteTool(), createEditTool()];
}
