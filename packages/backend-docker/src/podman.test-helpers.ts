import Docker from "dockerode";
import type { BackendConformanceOptions } from "@monoclaw/core/testing";
import type { DockerBackend, DockerBackendOptions } from "./docker-backend.js";
import { containerNames, testBackend } from "./docker.test-helpers.js";

/** One Podman API service the tests run against. */
export interface PodmanTestEngine {
  /** How test names call it: "rootful Podman", "rootless Podman". */
  label: string;
  socket: string;
  host: string;
  client: Docker;
}

function podmanEngine(label: string, socket: string): PodmanTestEngine {
  return { label, socket, host: `unix://${socket}`, client: new Docker({ socketPath: socket }) };
}

/**
 * Rootful Podman's Docker-compatible API, started by scripts/ensure-podman.sh
 * with the test images loaded into its store. No fallback: when Podman is not
 * set up these tests fail.
 */
export const ROOTFUL_PODMAN = podmanEngine("rootful Podman", "/run/podman/podman.sock");

/**
 * Rootless Podman: user monoclaw-podman (uid 1001, subuid/subgid ranges, vfs
 * storage) with its own API service, also started by scripts/ensure-podman.sh,
 * with monoclaw-test/busybox loaded into that user's store. The tests run as
 * root, which may open the user's socket.
 */
export const ROOTLESS_PODMAN_UID = 1001;
export const ROOTLESS_PODMAN = podmanEngine("rootless Podman", `/run/user/${ROOTLESS_PODMAN_UID}/podman/podman.sock`);

export const PODMAN_SOCKET = ROOTFUL_PODMAN.socket;
export const PODMAN_HOST = ROOTFUL_PODMAN.host;
export const testPodman = ROOTFUL_PODMAN.client;

/** A backend on Podman (rootful unless told): the Docker test backend with `terminal.docker.host` pointing at it. */
export function podmanBackend(name: string, options: DockerBackendOptions = {}, engine: PodmanTestEngine = ROOTFUL_PODMAN): DockerBackend {
  return testBackend(name, { host: engine.host, ...options });
}

/** Per-file container names on Podman, with a cleanup that removes this file's containers from that Podman's store. */
export function podmanContainerNames(prefix: string, engine: PodmanTestEngine = ROOTFUL_PODMAN) {
  return containerNames(prefix, engine.client);
}

/** The command lines of every process in a Podman container, listed by Podman (`podman top`). */
export async function podmanProcesses(nameOrId: string, engine: PodmanTestEngine = ROOTFUL_PODMAN): Promise<string[]> {
  const top = await engine.client.getContainer(nameOrId).top({ ps_args: "-eo pid,args" });
  // Podman answers 200 with an empty body for a container that is not running (Docker: 409).
  if (!top?.Titles) return [];
  const argsIndex = top.Titles.findIndex((title: string) => /COMMAND|ARGS|CMD/i.test(title));
  return top.Processes.map((row: string[]) => row.slice(argsIndex).join(" "));
}

/** The conformance options for a Podman engine (see docker-conformance.test-helpers.ts for the Docker ones). */
export function podmanConformanceOptions(
  nextName: () => string,
  options: DockerBackendOptions,
  engine: PodmanTestEngine = ROOTFUL_PODMAN,
): BackendConformanceOptions {
  return {
    createBackend: () => podmanBackend(nextName(), options, engine),
    createUnreachableBackend: () => podmanBackend(nextName(), { ...options, host: "unix:///nonexistent/monoclaw-no-podman.sock" }, engine),
    async processesLeftAfterDispose(disposed, n) {
      const name = (disposed as DockerBackend).containerName;
      const listed = await podmanProcesses(name, engine).catch((error: { statusCode?: number }) => {
        // 404: removed; 409 (or 500 from Podman): not running. Either way nothing runs in it.
        if (error.statusCode === 404 || error.statusCode === 409) return [];
        throw error;
      });
      return listed.filter((args) => args.split(/\s+/).includes(String(n)));
    },
  };
}
