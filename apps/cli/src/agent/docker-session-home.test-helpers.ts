import { connectEngine, listManagedContainers, processDiscoveryEnvironment, removeManaged, type EngineConnection } from "@monoclaw/backend-docker";
import { startModelServer, type ModelServer } from "@monoclaw/testkit";
import { afterAll, beforeAll } from "vitest";
import { createAgentTestHome, type AgentTestHome } from "./cli-process.test-helpers.js";

export interface DockerSessionWorld {
  /** The scripted model server (started before the file's tests). */
  server(): ModelServer;
  docker(): EngineConnection["docker"];
  /** A test home whose config runs commands in `scope: session` containers of the sh-only image, no network; `extra` lines go under `docker:`. */
  sessionHome(extra?: string[]): AgentTestHome;
  /** The managed containers of a home (found by its terminal.cwd label). */
  containersOf(home: AgentTestHome): ReturnType<typeof listManagedContainers>;
}

/**
 * Registers the file's hooks for CLI tests with `terminal.docker.scope: session`
 * against the real engine: the model server, the engine connection, and at
 * the end every container of every home made here, removed.
 */
export function useDockerSessionWorld(): DockerSessionWorld {
  let server: ModelServer;
  let docker: EngineConnection["docker"];
  const homes: AgentTestHome[] = [];
  const containersOf = async (home: AgentTestHome) => (await listManagedContainers(docker)).filter((c) => c.scope === home.workdir);
  beforeAll(async () => {
    server = await startModelServer();
    docker = (await connectEngine(processDiscoveryEnvironment())).docker;
  });
  afterAll(async () => {
    await server.close();
    for (const home of homes) {
      for (const container of await containersOf(home)) await removeManaged(docker, container.id);
      home.remove();
    }
  });
  return {
    server: () => server,
    docker: () => docker,
    sessionHome(extra = []) {
      const home = createAgentTestHome({
        baseURL: server.baseURL,
        extraTerminal: ["docker:", "  image: monoclaw-test/busybox:latest", "  network: none", "  pull: never", "  scope: session", ...extra],
      });
      homes.push(home);
      return home;
    },
    containersOf,
  };
}
