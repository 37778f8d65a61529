export * from "./model-setup-error.js";
export * from "./model-capabilities.js";
export * from "./model-registry.js";
export * from "./model-preflight.js";
