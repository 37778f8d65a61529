import type { BackendFactory } from "@monoclaw/core/backend";
// The factory entry point's config schema and refusals only: the backend itself loads when a command first uses it.
import { dockerConfigRefusals, dockerConfigSchema, type DockerConfig } from "@monoclaw/backend-docker/factory";
import { hostBackendFactory } from "@monoclaw/backend-host";
import { deferredBackendFactory } from "./deferred-backend-factory.js";

/**
 * The Docker backend's factory, deferred: its name, description and schema as the real one states them
 * (backends.test.ts holds them equal), the backend's code loaded by the first call a command makes.
 */
export const deferredDockerBackendFactory = deferredBackendFactory<DockerConfig>(
  {
    name: "docker",
    description: "Runs commands in a hardened Docker container (Engine API; network, volumes and limits from terminal.docker)",
    configSchema: dockerConfigSchema,
  },
  (config) => config.workdir,
  async () => (await import("@monoclaw/backend-docker")).dockerBackendFactory,
);

/**
 * Every backend `monoclaw` knows, in the order `--help` and `doctor` list them.
 * The config schema is composed from their `configSchema`s (`terminal.<name>`),
 * and `terminal.backend` / `--backend` accept exactly these names.
 * This is the only place the CLI names a backend package.
 */
export const backendFactories: readonly BackendFactory[] = [hostBackendFactory, deferredDockerBackendFactory];

/** Per backend section: what every command would refuse in it (`config set` refuses the same, see config-refusals.ts). */
export const backendConfigRefusals: Readonly<
  Record<string, (section: unknown, context: { env: Readonly<Record<string, string | undefined>>; cwd: string }) => string[]>
> = {
  docker: dockerConfigRefusals,
};
