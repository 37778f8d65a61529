import type { BackendFactory } from "@monoclaw/core/backend";
// The factory entry point only: the rest of the Docker package loads when a Docker command runs.
import { dockerBackendFactory, dockerConfigRefusals } from "@monoclaw/backend-docker/factory";
import { hostBackendFactory } from "@monoclaw/backend-host";

/**
 * Every backend `monoclaw` knows, in the order `--help` and `doctor` list them.
 * The config schema is composed from their `configSchema`s (`terminal.<name>`),
 * and `terminal.backend` / `--backend` accept exactly these names.
 * This is the only place the CLI names a backend package.
 */
export const backendFactories: readonly BackendFactory[] = [hostBackendFactory, dockerBackendFactory];

/** Per backend section: what every command would refuse in it (`config set` refuses the same, see config-refusals.ts). */
export const backendConfigRefusals: Readonly<
  Record<string, (section: unknown, context: { env: Readonly<Record<string, string | undefined>>; cwd: string }) => string[]>
> = {
  docker: dockerConfigRefusals,
};
