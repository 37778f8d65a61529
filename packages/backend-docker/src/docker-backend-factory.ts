import type { BackendFactory } from "@monoclaw/core";
import { createDockerBackend } from "./docker-backend.js";
import { dockerConfigSchema, type DockerConfig } from "./docker-config.js";

/**
 * `terminal.backend: docker`. The app validates `terminal.docker` with
 * `configSchema` and calls `create`, which does no I/O: the engine is found and
 * the container created or reused on the first command.
 */
export const dockerBackendFactory: BackendFactory<DockerConfig> = {
  name: "docker",
  description: "Runs commands in a hardened Docker container (Engine API; network, volumes and limits from terminal.docker)",
  configSchema: dockerConfigSchema,
  create(config, context) {
    return createDockerBackend({
      ...config,
      cwd: context.terminal.cwd,
      timeoutMs: context.terminal.timeoutMs,
      hostEnv: context.env,
      ...(context.log ? { log: context.log } : {}),
    });
  },
};
