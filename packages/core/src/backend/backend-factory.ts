import type { z } from "zod";
import { BACKEND_SPECIFICATION_VERSION, type ExecutionBackend } from "./execution-backend.js";

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
  /**
   * Optional. Lets go of what the factory keeps for this process across the
   * backends it created (the Docker factory: the warm pool members it holds
   * with their shells open). Apps call it once they create no more backends,
   * after disposing them; a later `create` starts afresh.
   */
  release?(): Promise<void>;
}

/** The backend specification versions this core can drive (see `ExecutionBackend.specificationVersion`). */
export const SUPPORTED_BACKEND_SPECIFICATION_VERSIONS: readonly string[] = [BACKEND_SPECIFICATION_VERSION];

/**
 * Returns `backend` when it implements a specification version this core
 * supports; otherwise throws an Error naming the backend, the version it
 * states and the supported ones, with the fix (as the AI SDK does for a
 * provider of an unsupported version). Apps call it on every backend they
 * load (`createConfiguredBackend` does).
 */
export function assertSupportedBackend<T extends ExecutionBackend>(backend: T, loadedAs: string = describeBackendName(backend)): T {
  const version: unknown = (backend as { specificationVersion?: unknown } | null | undefined)?.specificationVersion;
  if (typeof version === "string" && SUPPORTED_BACKEND_SPECIFICATION_VERSIONS.includes(version)) return backend;
  const stated = version === undefined ? "no specificationVersion" : `specificationVersion ${JSON.stringify(version)}`;
  throw new Error(
    `Backend "${loadedAs}" states ${stated}, but this MonoClaw supports backend specification ${SUPPORTED_BACKEND_SPECIFICATION_VERSIONS.join(", ")}. ` +
      "Install a version of the backend package made for it, or upgrade monoclaw and @monoclaw/core.",
  );
}

function describeBackendName(backend: unknown): string {
  const name = (backend as { name?: unknown } | null | undefined)?.name;
  return typeof name === "string" && name !== "" ? name : "(unnamed)";
}
