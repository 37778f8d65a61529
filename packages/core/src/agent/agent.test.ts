import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { step } from "@monoclaw/testkit";
import { describe, expect, it } from "vitest";
import { createAgent } from "./agent.js";
import { collect, ofType, scriptedModel, turnEnd, useServerAndWorkspace } from "./agent.test-helpers.js";

const ctx = useServerAndWorkspace();

// A 1x1 PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

describe("createAgent", () => {
  it("keeps the conversation and the shell session across turns", async () => {
    const agent = createAgent({ model: scriptedModel("openai", ctx.server), backend: ctx.workspace.backend, system: "sys" });
    ctx.server.enqueue(step.toolCall("bash", { command: "mkdir -p deep/er && cd deep/er && export SEEN=yes" }), step.text("moved"));
    expect(turnEnd(await collect(agent.run("go deeper"))).reason).toBe("stop");
    expect(agent.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);

    ctx.server.enqueue(step.toolCall("bash", { command: 'echo "$SEEN in $PWD"' }), step.text("still there"));
    const second = await collect(agent.run("where are you?"));
    expect(ofType(second, "tool-end")[0]!.output).toBe(`yes in ${join(ctx.workspace.dir, "deep/er")}`);
    expect(agent.messages).toHaveLength(8);
    // The second turn's first request carried the first turn.
    expect(ctx.server.requests[2]!.lastUserText).toBe("where are you?");
    expect(ctx.server.requests[2]!.toolResults).toHaveLength(1);

    agent.setMessages([]);
    ctx.server.enqueue(step.text("fresh"));
    await collect(agent.run("new topic"));
    expect((ctx.server.requests[4]!.body.messages as unknown[]).length).toBe(2); // system + the new prompt
    await agent.dispose();
  });

  it("refuses a second turn while one runs", async () => {
    const agent = createAgent({ model: scriptedModel("openai", ctx.server), backend: ctx.workspace.backend });
    ctx.server.enqueue(step.hang());
    const controller = new AbortController();
    const first = collect(agent.run("one", { signal: controller.signal }));
    expect(() => agent.run("two")).toThrow(/already running/);
    controller.abort();
    expect(turnEnd(await first).reason).toBe("aborted");
    expect(agent.running).toBe(false);
    await agent.dispose();
  });

  it("passes images from read to a model that can see: inside the tool result for Anthropic", async () => {
    await writeFile(join(ctx.workspace.dir, "dot.png"), PNG);
    const agent = createAgent({ model: scriptedModel("anthropic", ctx.server), backend: ctx.workspace.backend });
    ctx.server.enqueue(step.toolCall("read", { path: "dot.png" }), step.text("a dot"));
    const events = await collect(agent.run("look"));
    expect(ofType(events, "tool-end")[0]!.output).toBe("dot.png: image/png image, 70 bytes, attached.");
    expect(ctx.server.requests[1]!.toolResults[0]).toMatchObject({ images: ["image/png"] });
    await agent.dispose();
  });

  it("passes images to OpenAI chat models in a user message after the tool result", async () => {
    await writeFile(join(ctx.workspace.dir, "dot.png"), PNG);
    const agent = createAgent({ model: scriptedModel("openai", ctx.server), backend: ctx.workspace.backend });
    ctx.server.enqueue(step.toolCall("read", { path: "dot.png" }), step.text("a dot"));
    await collect(agent.run("look"));
    const messages = ctx.server.requests[1]!.body.messages as Array<{ role: string; content: unknown }>;
    const last = messages.at(-1)!;
    expect(last.role).toBe("user");
    expect(JSON.stringify(last.content)).toContain("data:image/png;base64,");
    // The conversation survives a JSON round trip (session files) with its image.
    agent.setMessages(JSON.parse(JSON.stringify(agent.messages)));
    ctx.server.enqueue(step.text("still a dot"));
    await collect(agent.run("again"));
    expect(JSON.stringify(ctx.server.requests[2]!.body.messages)).toContain(`data:image/png;base64,${PNG.toString("base64")}`);
    await agent.dispose();
  });

  it("describes an image instead to a model that cannot see", async () => {
    await writeFile(join(ctx.workspace.dir, "dot.png"), PNG);
    const agent = createAgent({ model: { ...scriptedModel("openai", ctx.server), vision: false }, backend: ctx.workspace.backend });
    ctx.server.enqueue(step.toolCall("read", { path: "dot.png" }), step.text("cannot see"));
    const events = await collect(agent.run("look"));
    expect(ofType(events, "tool-end")[0]!.output).toBe("dot.png is an image (image/png, 70 bytes). This model cannot view images.");
    await agent.dispose();
  });
});
