export * from "./fake-slack/index.js";
export * from "./model-server/index.js";
export * from "./local-sshd/index.js";
export * from "./process-memory/index.js";
