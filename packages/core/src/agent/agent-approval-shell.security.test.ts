import { access } from "node:fs/promises";
import { join } from "node:path";
import { step } from "@monoclaw/testkit";
import { describe, expect, it } from "vitest";
import type { ApprovalRequest } from "../safety/approval-policy.js";
import type { AgentEvent } from "./agent-events.js";
import { runAgentTurn } from "./agent-turn.js";
import { ofType, scriptedModel, useServerAndWorkspace } from "./agent.test-helpers.js";

const ctx = useServerAndWorkspace();

// Each command makes ran.marker and never reaches its rm: `false &&` stops it. The gate does not
// evaluate conditions, so it still sees the rm; the marker shows whether the command ran at all.
const SH_C = "sh -c 'touch ran.marker; false && rm -rf /'";
const SPELLINGS: Array<[string, string]> = [
  ["sh -c 'rm -rf /'", SH_C],
  ["bash -c with a nested sh -c", `bash -c "touch ran.marker; false && sh -c 'rm -rf /'"`],
  ["cd / && rm -rf *", "touch ran.marker; false && cd / && rm -rf *"],
  ['/bin/rm -rf "/"', 'touch ran.marker; false && /bin/rm -rf "/"'],
  ["sudo env X=1 rm -rf /", "touch ran.marker; false && sudo env X=1 rm -rf /"],
  ['eval "$x"', 'touch ran.marker; false && eval "$x"'],
];

async function ran(): Promise<boolean> {
  return access(join(ctx.workspace.dir, "ran.marker")).then(
    () => true,
    () => false,
  );
}

async function turn(command: string, approve?: (request: ApprovalRequest) => Promise<boolean>): Promise<AgentEvent[]> {
  ctx.server.enqueue(step.toolCall("bash", { command }), step.text("ok"));
  const events: AgentEvent[] = [];
  const model = scriptedModel("openai", ctx.server);
  for await (const event of runAgentTurn({ model, backend: ctx.workspace.backend, prompt: "clean up", ...(approve === undefined ? {} : { approve }) }))
    events.push(event);
  return events;
}

describe("the agent's approval gate reads commands as a shell does", () => {
  it.each(SPELLINGS)("never runs %s on the host without approval, and tells the model why", async (_name, command) => {
    const events = await turn(command);
    expect(await ran()).toBe(false);
    const [end] = ofType(events, "tool-end");
    expect(end).toMatchObject({ isError: true });
    expect(end!.output).toMatch(/^Not run: this command .+, so it needs the user's approval/);
  });

  it("asks the person about sh -c 'rm -rf /' with the reason, and a no keeps it from running", async () => {
    const asked: ApprovalRequest[] = [];
    const events = await turn(SH_C, async (request) => {
      asked.push(request);
      return false;
    });
    expect(await ran()).toBe(false);
    expect(asked).toEqual([
      expect.objectContaining({ command: SH_C, backend: "host", reason: "this command recursively deletes / , home or a system directory" }),
    ]);
    expect(ofType(events, "tool-end")[0]!.output).toContain("the user declined this command");
  });

  it("runs the same command once the person says yes (the positive control: the gate, not the command, stopped it)", async () => {
    await turn(SH_C, async () => true);
    expect(await ran()).toBe(true);
  });

  it("runs a harmless look-alike without asking", async () => {
    const asked: string[] = [];
    await turn("touch ran.marker; echo 'rm -rf /' && grep -c 'sh -c' ran.marker || true", async (request) => {
      asked.push(request.command);
      return false;
    });
    expect(asked).toEqual([]);
    expect(await ran()).toBe(true);
  });
});
