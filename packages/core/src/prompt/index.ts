export * from "./system-prompt.js";
export * from "./prompt-context.js";
