export { createHostBackend, hostHealthChecks, DEFAULT_HOST_TIMEOUT_MS, type HostBackendOptions } from "./host-backend.js";
export { hostBackendFactory } from "./host-backend-factory.js";
export { hostConfigSchema, type HostConfig } from "./host-config.js";
export { killHostProcessTree } from "./host-process-kill.js";
export { findHostShell } from "./host-shell.js";
