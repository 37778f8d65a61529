import { assertSupportedBackend, type BackendFactory } from "../backend/backend-factory.js";
import { secondsToTimerMs } from "../backend/timer-duration.js";
import type { ExecutionBackend } from "../backend/execution-backend.js";
import type { Env } from "./config-home.js";
import type { MonoclawConfig } from "./config-schema.js";

export interface ConfiguredBackendOptions {
  /** Backend to use instead of `terminal.backend` (`--backend`); must be one of `factories`. */
  backend?: string;
  /** Environment handed to the backend (for `forward_env`). Default `process.env`. */
  env?: Env;
  /** Progress and warnings for the user. */
  log?: (message: string) => void;
  /** The agent session the backend serves (see `BackendFactoryContext.session`). */
  session?: { id: string; resumed: boolean };
}

/**
 * Creates the backend a validated config selects, handing it its own parsed
 * `terminal.<name>` section and the shared terminal settings (`cwd`,
 * `timeout` in milliseconds). Does no I/O (see `BackendFactory.create`).
 * Throws when the name is not one of `factories` (check user input first),
 * and when the backend states a specification version this core does not
 * support (see `assertSupportedBackend`).
 */
export function createConfiguredBackend(
  config: MonoclawConfig,
  factories: readonly BackendFactory[],
  options: ConfiguredBackendOptions = {},
): ExecutionBackend {
  const name = options.backend ?? config.terminal.backend;
  const factory = factories.find((candidate) => candidate.name === name);
  if (factory === undefined) {
    throw new Error(`No backend named "${name}" is registered (known: ${factories.map((f) => f.name).join(", ")}).`);
  }
  const backend = factory.create(config.terminal[name] ?? factory.configSchema.parse({}), {
    terminal: { cwd: config.terminal.cwd, timeoutMs: secondsToTimerMs(config.terminal.timeout) },
    env: options.env ?? process.env,
    // A provider key may sit in a variable with any name (`api_key: ${MY_LLM}`): commands never get it.
    secretValues: Object.values(config.providers).flatMap((provider) => (provider.api_key ? [provider.api_key] : [])),
    ...(options.log ? { log: options.log } : {}),
    ...(options.session ? { session: options.session } : {}),
  });
  // A backend built for another version of the contract fails here, by name, not on its first command.
  return assertSupportedBackend(backend, factory.name);
}
