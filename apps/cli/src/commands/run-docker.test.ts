import { connectEngine, listManagedContainers, processDiscoveryEnvironment, removeManaged } from "@monoclaw/backend-docker";
import { startModelServer, step, type ModelServer } from "@monoclaw/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentTestHome, type AgentTestHome } from "../agent/cli-process.test-helpers.js";
import { runBin } from "../cli.test-helpers.js";

// `monoclaw run --backend docker`: the built bin, the real AI SDK client, the
// scripted model server and the real engine (local sh-only image, no network).
// The container is named after this test's own terminal.cwd and removed at the end.

let server: ModelServer;
let home: AgentTestHome;
beforeAll(async () => {
  server = await startModelServer();
  home = createAgentTestHome({
    baseURL: server.baseURL,
    extraTerminal: ["docker:", "  image: monoclaw-test/busybox:latest", "  network: none", "  pull: never"],
  });
});
afterAll(async () => {
  await server.close();
  const { docker } = await connectEngine(processDiscoveryEnvironment());
  for (const container of await listManagedContainers(docker)) {
    if (container.scope === home.workdir) await removeManaged(docker, container.id);
  }
  home.remove();
});

describe("monoclaw run on the Docker backend", () => {
  it("runs Mona's commands in the container and prints her answer", async () => {
    server.enqueue(
      step.toolCall("bash", { command: "test -e /.dockerenv && echo inside-the-container; pwd; echo made > note.txt" }),
      step.toolCall("read", { path: "note.txt" }),
      step.text("It ran in the container."),
    );
    const result = await runBin(["run", "--backend", "docker", "where do you run?"], { env: home.env, cwd: home.root });
    expect(result.stderr).toContain("│ inside-the-container\n  │ /workspace\n");
    expect(result.stdout).toBe("It ran in the container.\n");
    expect(result.code).toBe(0);
    expect(server.requests[1]!.toolResults.at(-1)!.content).toContain("inside-the-container");
    expect(server.requests[2]!.toolResults.at(-1)!.content).toContain("made");
    // The system prompt tells the model where commands run.
    expect(server.requests[0]!.system).toMatch(/docker/i);
  });

  it("stops before any work when the Docker engine cannot be reached, saying so (exit 1), never falling back to the host", async () => {
    const unreachable = createAgentTestHome({
      baseURL: server.baseURL,
      extraTerminal: ["docker:", "  image: monoclaw-test/busybox:latest", "  network: none", "  host: unix:///nonexistent/docker.sock"],
    });
    try {
      const before = server.requests.length;
      const result = await runBin(["run", "--backend", "docker", "hi"], { env: unreachable.env, cwd: unreachable.root });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^monoclaw: The docker backend cannot run commands: Docker engine unavailable.*monoclaw doctor/);
      expect(server.requests).toHaveLength(before);
      expect(unreachable.sessionFiles()).toEqual([]);
    } finally {
      unreachable.remove();
    }
  });
});
