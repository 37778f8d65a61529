import type { BackendFactory } from "@monoclaw/core/backend";
import { backendFactories } from "./backends.js";

/**
 * What every command receives from the program: the process's environment and
 * streams (so tests and embedders can substitute them) and the backends.
 * Commands read configuration and create backends through it, never through
 * globals, and never call `process.exit` themselves: they set
 * `process.exitCode` or throw a `CliError`.
 */
export interface CliContext {
  /** The environment monoclaw runs with (`MONOCLAW_HOME`, `NO_COLOR`, API keys...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory monoclaw was started in (the default `terminal.cwd`). */
  readonly startDir: string;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly backendFactories: readonly BackendFactory[];
}

export function createCliContext(overrides: Partial<CliContext> = {}): CliContext {
  return {
    env: process.env,
    startDir: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    backendFactories,
    ...overrides,
  };
}
