import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startModelServer, step, type ModelServer } from "@monoclaw/testkit";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ExecutionBackend } from "../backend/execution-backend.js";
import { isSandboxedStatus } from "../safety/approval-policy.js";
import type { AgentEvent } from "./agent-events.js";
import { createAgent } from "./agent.js";
import { collect, ofType, scriptedModel, turnEnd } from "./agent.test-helpers.js";
import { loadDockerBackendModule } from "./real-backends.test-helpers.js";

// Unique per file, so parallel test files never touch each other's containers.
const PREFIX = `mc-test-core-agent-${process.pid}-`;
let counter = 0;
let server: ModelServer;
let backend: ExecutionBackend;
let name: string;
let hostDir: string;

function docker(...args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8" });
}

/** Command lines of the container's processes, as the engine lists them (not from inside). */
function containerProcesses(): string[] {
  return docker("top", name, "-eo", "pid,args")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().replace(/^\d+\s+/, ""))
    .filter((line) => line !== "");
}

beforeEach(async () => {
  server = await startModelServer();
  hostDir = await mkdtemp(join(tmpdir(), "monoclaw-agent-docker-"));
  name = `${PREFIX}${++counter}`;
  const module = (await loadDockerBackendModule()) as { createDockerBackend: (options: Record<string, unknown>) => ExecutionBackend };
  backend = module.createDockerBackend({
    image: "monoclaw-test/busybox:latest",
    network: "none",
    pull: "never",
    name,
    cwd: hostDir,
    idle_timeout: 0,
    workdir: "/workspace",
  });
});
afterEach(async () => {
  await server.close();
  await backend.dispose();
  await rm(hostDir, { recursive: true, force: true });
});
afterAll(() => {
  const leftovers = docker("ps", "-aq", "--filter", `name=${PREFIX}`).split("\n").filter(Boolean);
  if (leftovers.length > 0) docker("rm", "-f", ...leftovers);
});

describe("agent on the Docker backend (real engine, busybox, network none)", () => {
  it("runs multi-step tool use inside the container with shell state, and file tools use container paths", async () => {
    const agent = createAgent({
      model: scriptedModel("anthropic", server),
      backend,
      approvals: { mode: "ask", sandboxed: isSandboxedStatus(await backend.status()) },
    });
    server.enqueue(
      step.toolCall("bash", { command: "mkdir -p /workspace/app && cd /workspace/app && export STAGE=container" }),
      step.toolCall("write", { path: "/workspace/app/config.txt", content: "mode=dev\n" }),
      step.toolCall("edit", { path: "app/config.txt", old_string: "dev", new_string: "prod" }),
      step.toolCall("bash", { command: 'echo "$STAGE $PWD $(cat config.txt)"; hostname' }),
      step.toolCall("read", { path: join(hostDir, "host-only.txt") }),
      step.text("done in the container"),
    );
    await writeFile(join(hostDir, "host-only.txt"), "this file is on the host only");
    const events = await collect(agent.run("set up the app"));
    expect(turnEnd(events)).toMatchObject({ reason: "stop", text: "done in the container" });
    const outputs = ofType(events, "tool-end").map((e) => e.output);
    expect(outputs[2]).toContain("--- a/app/config.txt\n+++ b/app/config.txt\n@@ -1,1 +1,1 @@\n-mode=dev\n+mode=prod");
    expect(outputs[3]).toMatch(/^container \/workspace\/app mode=prod\n\w+/);
    // A host path means nothing in the container: read does not reach the host.
    expect(outputs[4]).toContain(`${join(hostDir, "host-only.txt")} does not exist (docker backend)`);
    expect(docker("exec", name, "cat", "/workspace/app/config.txt")).toBe("mode=prod\n");
    await agent.dispose();
  });

  it("pages through a long output's host file with read, even in Docker mode", async () => {
    const agent = createAgent({ model: scriptedModel("openai", server), backend });
    server.enqueue(
      step.toolCall("bash", { command: "seq 1 50000" }),
      step.dynamic((request) => {
        const path = /Full output \(.*?\): (\S+) \./.exec(request.toolResults[0]!.content)?.[1];
        return step.toolCall("read", { path, offset: 40000, limit: 1 });
      }),
      step.text("ok"),
    );
    const events = await collect(agent.run("count"));
    expect(ofType(events, "tool-end")[1]!.output).toBe(" 40000\t40000\n[lines 40000-40000 of 50000; continue with offset=40001]");
    await agent.dispose();
  });

  it("abort mid-command ends the command and its background processes inside the container", async () => {
    const agent = createAgent({ model: scriptedModel("openai", server), backend });
    server.enqueue(step.toolCall("bash", { command: "sleep 301 & sleep 302 & echo started; wait" }));
    const controller = new AbortController();
    const events: AgentEvent[] = [];
    for await (const event of agent.run("wait", { signal: controller.signal })) {
      events.push(event);
      if (event.type === "tool-output" && event.text.includes("started")) controller.abort();
    }
    expect(turnEnd(events).reason).toBe("aborted");
    const deadline = Date.now() + 30_000;
    while (containerProcesses().some((p) => /sleep 30[12]/.test(p)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(containerProcesses().filter((p) => /sleep 30[12]/.test(p))).toEqual([]);
    await agent.dispose();
  });
});
