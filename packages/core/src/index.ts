export * from "./backend/index.js";
export type * from "./agent/agent-events.js";
