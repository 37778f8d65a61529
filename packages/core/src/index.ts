export * from "./backend/index.js";
export type * from "./agent/agent-events.js";
export * from "./models/index.js";
export * from "./config/index.js";
export * from "./safety/index.js";
export * from "./tools/index.js";
export * from "./agent/index.js";
export * from "./prompt/index.js";
