// Named exports only: each name here is public API (see etc/*.api.md); anything else in src/ is internal.
export { ConfigError, type ConfigProblem, formatConfigProblem } from "./config-error.js";
export { resolveConfigFile, resolveMonoclawHome } from "./config-home.js";
export { createConfiguredBackend } from "./configured-backend.js";
export { checkConfigKey, type EditResult, parseValueText, setConfigValue, unsetConfigValue } from "./edit-config.js";
export { valueAtPath } from "./key-path.js";
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from "./load-config.js";
export { maskSecrets } from "./mask-secrets.js";
