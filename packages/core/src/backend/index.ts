export * from "./backend-error.js";
export * from "./exec-types.js";
export * from "./execution-backend.js";
export * from "./file-types.js";
export * from "./health-types.js";
export * from "./backend-factory.js";
