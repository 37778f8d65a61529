import type { ExecutionBackend } from "../backend/execution-backend.js";

// Backends depend on core, so core's tests load them by name: vitest.config.ts
// maps these names to the backends' sources (and their `@monoclaw/core` to ours).
const HOST_BACKEND_MODULE = "@monoclaw/backend-host";
const DOCKER_BACKEND_MODULE = "@monoclaw/backend-docker";

export interface TestHostBackendOptions {
  cwd: string;
  timeoutMs?: number;
  baseEnv?: Record<string, string | undefined>;
}

/** The real host backend (`@monoclaw/backend-host`). */
export async function createRealHostBackend(options: TestHostBackendOptions): Promise<ExecutionBackend> {
  const host = (await import(/* @vite-ignore */ HOST_BACKEND_MODULE)) as {
    createHostBackend: (options: TestHostBackendOptions) => ExecutionBackend;
  };
  return host.createHostBackend(options);
}

/** The real Docker backend module (`@monoclaw/backend-docker`), typed loosely: its factory is used through the contract. */
export async function loadDockerBackendModule(): Promise<Record<string, unknown>> {
  return (await import(/* @vite-ignore */ DOCKER_BACKEND_MODULE)) as Record<string, unknown>;
}
