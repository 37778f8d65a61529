import type { BackendFactory } from "@monoclaw/core/backend";
import { dockerBackendFactory } from "@monoclaw/backend-docker";
import { hostBackendFactory } from "@monoclaw/backend-host";

/**
 * Every backend `monoclaw` knows, in the order `--help` and `doctor` list them.
 * The config schema is composed from their `configSchema`s (`terminal.<name>`),
 * and `terminal.backend` / `--backend` accept exactly these names.
 * This is the only place the CLI names a backend package.
 */
export const backendFactories: readonly BackendFactory[] = [hostBackendFactory, dockerBackendFactory];
