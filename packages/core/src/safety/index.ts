export * from "./destructive-commands.js";
export * from "./approval-policy.js";
export * from "./secret-redactor.js";
