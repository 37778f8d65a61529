import Docker from "dockerode";
import type { BackendConformanceOptions } from "@monoclaw/core/testing";
import type { DockerBackend, DockerBackendOptions } from "./docker-backend.js";
import { containerNames, testBackend } from "./docker.test-helpers.js";

/**
 * Rootful Podman's Docker-compatible API, started by scripts/ensure-podman.sh
 * with the test images loaded into its store. No fallback: when Podman is not
 * set up these tests fail.
 */
export const PODMAN_SOCKET = "/run/podman/podman.sock";
export const PODMAN_HOST = `unix://${PODMAN_SOCKET}`;
export const testPodman = new Docker({ socketPath: PODMAN_SOCKET });

/** A backend on rootful Podman: the Docker test backend with `terminal.docker.host` pointing at Podman. */
export function podmanBackend(name: string, options: DockerBackendOptions = {}): DockerBackend {
  return testBackend(name, { host: PODMAN_HOST, ...options });
}

/** Per-file container names on Podman, with a cleanup that removes this file's containers from Podman's store. */
export function podmanContainerNames(prefix: string) {
  return containerNames(prefix, testPodman);
}

/** The command lines of every process in a Podman container, listed by Podman (`podman top`). */
export async function podmanProcesses(nameOrId: string): Promise<string[]> {
  const top = await testPodman.getContainer(nameOrId).top({ ps_args: "-eo pid,args" });
  // Podman answers 200 with an empty body for a container that is not running (Docker: 409).
  if (!top?.Titles) return [];
  const argsIndex = top.Titles.findIndex((title: string) => /COMMAND|ARGS|CMD/i.test(title));
  return top.Processes.map((row: string[]) => row.slice(argsIndex).join(" "));
}

/** The conformance options for rootful Podman (see docker-conformance.test-helpers.ts for the Docker ones). */
export function podmanConformanceOptions(nextName: () => string, options: DockerBackendOptions): BackendConformanceOptions {
  return {
    createBackend: () => podmanBackend(nextName(), options),
    createUnreachableBackend: () => podmanBackend(nextName(), { ...options, host: "unix:///nonexistent/monoclaw-no-podman.sock" }),
    async processesLeftAfterDispose(disposed, n) {
      const name = (disposed as DockerBackend).containerName;
      const listed = await podmanProcesses(name).catch((error: { statusCode?: number }) => {
        // 404: removed; 409 (or 500 from Podman): not running. Either way nothing runs in it.
        if (error.statusCode === 404 || error.statusCode === 409) return [];
        throw error;
      });
      return listed.filter((args) => args.split(/\s+/).includes(String(n)));
    },
  };
}
