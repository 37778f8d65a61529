import type { BackendConformanceOptions } from "@monoclaw/core/testing";
import type { DockerBackend, DockerBackendOptions } from "./docker-backend.js";
import { containerProcesses, testBackend } from "./docker.test-helpers.js";

/**
 * What the Docker conformance files hand `describeBackendConformance`: a
 * backend per call (its own container), an unreachable one (an engine socket
 * where nothing listens), and the processes a disposed backend left in its
 * container, listed by the engine (`docker top`; a stopped or removed
 * container has none).
 */
export function dockerConformanceOptions(nextName: () => string, options: DockerBackendOptions): BackendConformanceOptions {
  return {
    createBackend: () => testBackend(nextName(), options),
    createUnreachableBackend: () => testBackend(nextName(), { ...options, host: "unix:///nonexistent/monoclaw-no-engine.sock" }),
    async processesLeftAfterDispose(disposed, n) {
      const name = (disposed as DockerBackend).containerName;
      const listed = await containerProcesses(name).catch((error: { statusCode?: number }) => {
        // 404: removed; 409: not running. Either way nothing runs in it.
        if (error.statusCode === 404 || error.statusCode === 409) return [];
        throw error;
      });
      return listed.filter((args) => args.split(/\s+/).includes(String(n)));
    },
  };
}
