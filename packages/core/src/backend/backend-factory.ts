import type { z } from "zod";
import type { ExecutionBackend } from "./execution-backend.js";

/** Settings under `terminal:` that every backend honours. */
export interface TerminalSettings {
  /** Host directory MonoClaw works in (default: where it was started). */
  cwd: string;
  /** Default per-command timeout in milliseconds (`terminal.timeout` is in seconds). */
  timeoutMs: number;
}

/** What an app hands a backend factory besides the backend's own config section. */
export interface BackendFactoryContext {
  terminal: TerminalSettings;
  /** The environment MonoClaw itself runs with; backends read `forward_env` names from it. */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Values no command may inherit from `env` whatever the variable is called:
   * the configured provider API keys (see `buildChildEnv`'s `secretValues`).
   */
  secretValues?: readonly string[];
  /** Progress and warnings meant for the user (image pulls, recreated containers). */
  log?: (message: string) => void;
  /**
   * The agent session the backend serves (`monoclaw`, `monoclaw run`), for
   * backends that keep resources per session (Docker's `scope: session`).
   * `resumed`: the session existed before (`--continue`, `--resume`).
   */
  session?: { id: string; resumed: boolean };
}

/**
 * How an app finds, configures and creates a backend without knowing its
 * fields: the app validates `terminal.<name>` with `configSchema` and passes
 * the result to `create`.
 *
 * `create` does no I/O: it returns a backend that connects or starts what it
 * needs on first use, so `monoclaw config` and `--help` never touch an engine.
 */
export interface BackendFactory<Config = unknown> {
  readonly name: string;
  /** One line for `--help` and `doctor`. */
  readonly description: string;
  /** Schema of the `terminal.<name>` section; parsing `{}` gives every default. */
  readonly configSchema: z.ZodType<Config>;
  create(config: Config, context: BackendFactoryContext): ExecutionBackend;
}
