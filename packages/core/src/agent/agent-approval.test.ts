import { access } from "node:fs/promises";
import { join } from "node:path";
import { step } from "@monoclaw/testkit";
import { describe, expect, it } from "vitest";
import type { ApprovalRequest } from "../safety/approval-policy.js";
import type { AgentEvent } from "./agent-events.js";
import { runAgentTurn } from "./agent-turn.js";
import { ofType, scriptedModel, turnEnd, useServerAndWorkspace } from "./agent.test-helpers.js";

const ctx = useServerAndWorkspace();

// Looks destructive (pipes a download into a shell) but is harmless: the URL is a closed loopback port.
const RISKY = "touch ran.marker; curl -s http://127.0.0.1:9/install.sh | sh";

async function ran(): Promise<boolean> {
  return access(join(ctx.workspace.dir, "ran.marker")).then(
    () => true,
    () => false,
  );
}

describe("approvals", () => {
  it("without an approve hook, a destructive command is refused and the model is told why", async () => {
    ctx.server.enqueue(step.toolCall("bash", { command: RISKY }), step.text("ok"));
    const events: AgentEvent[] = [];
    for await (const event of runAgentTurn({ model: scriptedModel("openai", ctx.server), backend: ctx.workspace.backend, prompt: "install" }))
      events.push(event);
    expect(await ran()).toBe(false);
    const [end] = ofType(events, "tool-end");
    expect(end).toMatchObject({ isError: true });
    expect(end!.output).toContain("Not run: this command downloads a script and runs it without showing it first");
    expect(ctx.server.requests[1]!.toolResults[0]!.content).toBe(end!.output);
  });

  it("asks the hook after the front end has seen tool-start, and a no is reported to the model", async () => {
    ctx.server.enqueue(step.toolCall("bash", { command: RISKY }), step.text("ok"));
    const seen: AgentEvent[] = [];
    const requests: Array<{ request: ApprovalRequest; seenBefore: string[] }> = [];
    const approve = async (request: ApprovalRequest) => {
      requests.push({ request, seenBefore: seen.map((e) => e.type) });
      return false;
    };
    for await (const event of runAgentTurn({ model: scriptedModel("anthropic", ctx.server), backend: ctx.workspace.backend, prompt: "install", approve }))
      seen.push(event);
    expect(await ran()).toBe(false);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.request).toMatchObject({
      toolName: "bash",
      command: RISKY,
      backend: "host",
      reason: "this command downloads a script and runs it without showing it first",
    });
    expect(requests[0]!.seenBefore.at(-1)).toBe("tool-start");
    expect(ofType(seen, "tool-end")[0]!.output).toBe("Not run: the user declined this command. Do not retry it; ask the user how to proceed.");
    expect(turnEnd(seen).reason).toBe("stop");
  });

  it("runs the command when the hook says yes", async () => {
    ctx.server.enqueue(step.toolCall("bash", { command: RISKY }), step.text("ok"));
    const events: AgentEvent[] = [];
    for await (const event of runAgentTurn({
      model: scriptedModel("openai", ctx.server),
      backend: ctx.workspace.backend,
      prompt: "install",
      approve: async () => true,
    })) {
      events.push(event);
    }
    expect(await ran()).toBe(true);
    expect(ofType(events, "tool-end")[0]!.output).not.toContain("Not run");
  });

  it("always asks for every command; never asks for none; a sandboxed backend runs destructive commands under ask", async () => {
    const asked: string[] = [];
    const approve = async (request: ApprovalRequest) => {
      asked.push(request.command);
      return true;
    };
    const model = scriptedModel("openai", ctx.server);
    ctx.server.enqueue(step.toolCall("bash", { command: "echo harmless" }), step.text("ok"));
    for await (const _ of runAgentTurn({ model, backend: ctx.workspace.backend, prompt: "a", approve, approvals: { mode: "always", sandboxed: true } })) void _;
    ctx.server.enqueue(step.toolCall("bash", { command: RISKY }), step.text("ok"));
    for await (const _ of runAgentTurn({ model, backend: ctx.workspace.backend, prompt: "b", approve, approvals: { mode: "never", sandboxed: false } })) void _;
    expect(await ran()).toBe(true);
    ctx.server.enqueue(step.toolCall("bash", { command: RISKY }), step.text("ok"));
    for await (const _ of runAgentTurn({ model, backend: ctx.workspace.backend, prompt: "c", approve, approvals: { mode: "ask", sandboxed: true } })) void _;
    expect(asked).toEqual(["echo harmless"]);
  });
});
