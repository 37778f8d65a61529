export type * from "./agent-events.js";
export * from "./agent-model.js";
export * from "./agent-turn.js";
export * from "./agent.js";
export * from "./compaction.js";
export * from "./model-retry.js";
