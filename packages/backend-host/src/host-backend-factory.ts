import type { BackendFactory } from "@monoclaw/core/backend";
import { createHostBackend } from "./host-backend.js";
import { hostConfigSchema, type HostConfig } from "./host-config.js";

/**
 * `terminal.backend: host`: commands run on this machine. Takes
 * `terminal.cwd` and `terminal.timeout` from the context, `env`,
 * `forward_env` and `shell` from `terminal.host`. `create` does no I/O.
 */
export const hostBackendFactory: BackendFactory<HostConfig> = {
  name: "host",
  description: "run commands directly on this machine (no isolation; secrets filtered from the environment)",
  configSchema: hostConfigSchema,
  create(config, context) {
    return createHostBackend({
      cwd: context.terminal.cwd,
      timeoutMs: context.terminal.timeoutMs,
      env: config.env,
      forwardEnv: config.forward_env,
      baseEnv: context.env,
      ...(context.secretValues === undefined ? {} : { secretValues: context.secretValues }),
      ...(config.shell === undefined ? {} : { shell: config.shell }),
    });
  },
};
