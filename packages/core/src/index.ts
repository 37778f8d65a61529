export * from "./backend/index.js";
export type * from "./agent/agent-events.js";
export * from "./models/index.js";
