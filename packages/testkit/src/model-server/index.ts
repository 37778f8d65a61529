export * from "./model-server.js";
export * from "./scripted-step.js";
export * from "./recorded-request.js";
