import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startModelServer, step, type ModelServer } from "@monoclaw/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ExecutionBackend } from "../backend/execution-backend.js";
import { runAgentTurn } from "./agent-turn.js";
import { collect, hostWorkspace, ofType, scriptedModel, turnEnd, type WireFormat } from "./agent.test-helpers.js";

let server: ModelServer;
let workspace: Awaited<ReturnType<typeof hostWorkspace>>;
let backend: ExecutionBackend;

beforeEach(async () => {
  server = await startModelServer();
  workspace = await hostWorkspace();
  backend = workspace.backend;
});
afterEach(async () => {
  await server.close();
  await workspace.cleanup();
});

const fastRetry = { initialDelayMs: 10, maxDelayMs: 2000, maxRetries: 2 };

describe.each<WireFormat>(["openai", "anthropic"])("agent turn over the %s wire format, host backend", (format) => {
  it("runs multi-step tool use in one shell session (cd and export carry over) and streams the answer", async () => {
    server.enqueue(
      step.toolCall("bash", { command: "mkdir -p sub && cd sub && export GREETING=hello && echo ready" }, { text: "Setting up." }),
      step.toolCall("bash", { command: 'echo "$GREETING from $(basename "$PWD")"; echo oops >&2; exit 3' }),
      step.text("All done: hello from sub."),
    );
    const events = await collect(runAgentTurn({ model: scriptedModel(format, server), backend, prompt: "set it up", system: "be brief" }));

    expect(events[0]).toMatchObject({ type: "turn-start" });
    const end = turnEnd(events);
    expect(end).toMatchObject({ reason: "stop", text: "All done: hello from sub." });
    expect(
      ofType(events, "text-delta")
        .map((e) => e.text)
        .join(""),
    ).toBe("Setting up.All done: hello from sub.");
    const toolEnds = ofType(events, "tool-end");
    expect(toolEnds).toHaveLength(2);
    expect(toolEnds[0]).toMatchObject({ toolName: "bash", isError: false, exitCode: 0, output: "ready" });
    expect(toolEnds[1]).toMatchObject({ isError: true, exitCode: 3 });
    expect(toolEnds[1]!.output).toContain("hello from sub");
    expect(toolEnds[1]!.output).toContain("oops");
    expect(toolEnds[1]!.output).toContain("[exit code 3]");
    expect(ofType(events, "tool-start")[1]).toMatchObject({ title: 'echo "$GREETING from $(basename "$PWD")"; echo oops >&2; exit 3' });
    const live = ofType(events, "tool-output").filter((e) => e.toolCallId === toolEnds[1]!.toolCallId);
    expect(live.some((e) => e.stream === "stderr" && e.text.includes("oops"))).toBe(true);
    expect(ofType(events, "usage")).toHaveLength(3);

    // What the model received: the system prompt, and each tool result exactly as tool-end reported it.
    expect(server.requests).toHaveLength(3);
    expect(server.requests[0]!.system).toBe("be brief");
    expect(server.requests[0]!.toolNames).toEqual(["bash", "read", "write", "edit"]);
    expect(server.requests[2]!.toolResults.map((r) => r.content)).toEqual(toolEnds.map((e) => e.output));
    // The turn's messages: assistant, tool, assistant, tool, assistant.
    expect(end.messages.map((m) => m.role)).toEqual(["assistant", "tool", "assistant", "tool", "assistant"]);
    expect(end.conversation?.[0]).toMatchObject({ role: "user", content: "set it up" });
  });

  it("turns malformed arguments, schema violations and unknown tools into tool errors the model sees, and goes on", async () => {
    server.enqueue(
      {
        toolCalls: [
          { name: "bash", rawArguments: '{"command": "echo hi' },
          { name: "bash", input: { command: 42 } },
          { name: "launch_rockets", input: { count: 3 } },
          { name: "bash", input: { command: "echo valid" } },
        ],
      },
      step.text("Recovered."),
    );
    const events = await collect(runAgentTurn({ model: scriptedModel(format, server), backend, prompt: "go" }));
    expect(turnEnd(events)).toMatchObject({ reason: "stop", text: "Recovered." });
    const results = server.requests[1]!.toolResults;
    expect(results).toHaveLength(4);
    expect(results[0]!.content).toContain("not valid JSON");
    expect(results[1]!.content).toContain("command");
    expect(results[1]!.content).toContain("do not match its schema");
    expect(results[2]!.content).toBe('Unknown tool "launch_rockets". Available tools: bash, read, write, edit. Call one of those.');
    expect(results[3]!.content).toBe("valid");
    if (format === "anthropic") expect(results.map((r) => r.isError)).toEqual([true, true, true, false]);
    expect(ofType(events, "tool-end").map((e) => e.isError)).toEqual([true, true, true, false]);
    expect(ofType(events, "error")).toHaveLength(0);
  });

  it("retries a 429, honouring retry-after, then succeeds", async () => {
    server.enqueue(step.error(429, { headers: { "retry-after": "1" }, message: "slow down" }), step.text("made it"));
    const events = await collect(runAgentTurn({ model: scriptedModel(format, server), backend, prompt: "hi", retry: fastRetry }));
    expect(ofType(events, "retry")).toEqual([{ type: "retry", attempt: 1, delayMs: 1000, reason: "rate limited (HTTP 429)" }]);
    expect(turnEnd(events)).toMatchObject({ reason: "stop", text: "made it" });
    expect(server.requests).toHaveLength(2);
  });
});

describe("agent turn: failures and limits", () => {
  it("gives up after the retries on repeated 500s with a model error naming the status", async () => {
    server.enqueue(step.error(500), step.error(502), step.error(503));
    const events = await collect(runAgentTurn({ model: scriptedModel("openai", server), backend, prompt: "hi", retry: fastRetry }));
    expect(ofType(events, "retry").map((e) => [e.attempt, e.delayMs])).toEqual([
      [1, 10],
      [2, 20],
    ]);
    const [error] = ofType(events, "error");
    expect(error).toMatchObject({ kind: "model" });
    expect(error!.message).toContain("HTTP 503");
    expect(turnEnd(events)).toMatchObject({ reason: "error" });
  });

  it("does not retry a 401, and says to check the key", async () => {
    server.enqueue(step.error(401, { message: "invalid x-api-key" }));
    const events = await collect(runAgentTurn({ model: scriptedModel("anthropic", server), backend, prompt: "hi", retry: fastRetry }));
    expect(ofType(events, "retry")).toHaveLength(0);
    expect(ofType(events, "error")[0]!.message).toMatch(/HTTP 401: invalid x-api-key .*Check the API key/);
    expect(turnEnd(events).reason).toBe("error");
  });

  it("reports a model server that is down as a network error after retrying", async () => {
    const url = server.url;
    await server.close();
    const model = scriptedModel("openai", server);
    const events = await collect(runAgentTurn({ model, backend, prompt: "hi", retry: fastRetry }));
    expect(ofType(events, "retry").map((e) => e.reason)).toEqual(["network error (ECONNREFUSED)", "network error (ECONNREFUSED)"]);
    const [error] = ofType(events, "error");
    expect(error).toMatchObject({ kind: "model" });
    expect(error!.message).toContain(url);
    expect(error!.message).toContain("ECONNREFUSED");
    expect(turnEnd(events).reason).toBe("error");
    server = await startModelServer();
  });

  it("retries a dropped connection (network error) and goes on", async () => {
    server.enqueue(step.disconnect(), step.text("reconnected"));
    const events = await collect(runAgentTurn({ model: scriptedModel("anthropic", server), backend, prompt: "hi", retry: fastRetry }));
    expect(ofType(events, "retry")).toHaveLength(1);
    expect(ofType(events, "retry")[0]!.reason).toMatch(/^network error/);
    expect(turnEnd(events)).toMatchObject({ reason: "stop", text: "reconnected" });
  });

  it("abandons a model call that sends nothing for modelIdleTimeoutMs and retries it", async () => {
    server.enqueue(step.hang(), { text: "half", hangAfterText: true }, step.text("finally"));
    const events = await collect(runAgentTurn({ model: scriptedModel("openai", server), backend, prompt: "hi", retry: fastRetry, modelIdleTimeoutMs: 2000 }));
    // The silent call is retried; the one that stalled after showing text is not (the text was already shown).
    expect(ofType(events, "retry").map((e) => e.reason)).toEqual(["no response for 2 s"]);
    expect(ofType(events, "error")[0]).toMatchObject({ kind: "model", message: "The model sent nothing for 2 s." });
    expect(
      ofType(events, "text-delta")
        .map((e) => e.text)
        .join(""),
    ).toBe("half");
    // What the person saw stays in the conversation.
    expect(turnEnd(events)).toMatchObject({ reason: "error", text: "half", messages: [{ role: "assistant", content: "half" }] });
    expect(server.requests).toHaveLength(2);
  });

  it("ends with max-steps when the model keeps calling tools", async () => {
    server.enqueue(step.toolCall("bash", { command: "echo 1" }), step.toolCall("bash", { command: "echo 2" }), step.toolCall("bash", { command: "echo 3" }));
    const events = await collect(runAgentTurn({ model: scriptedModel("openai", server), backend, prompt: "loop", maxSteps: 2 }));
    expect(turnEnd(events).reason).toBe("max-steps");
    expect(ofType(events, "tool-end")).toHaveLength(2);
    expect(server.remaining).toBe(1);
  });

  it("write, read and edit round-trip through the backend, and the model gets line numbers and a diff", async () => {
    server.enqueue(
      step.toolCall("write", { path: "notes/todo.txt", content: "alpha\nbeta\ngamma\n" }),
      step.toolCall("read", { path: "notes/todo.txt" }),
      step.toolCall("edit", { path: "notes/todo.txt", old_string: "beta", new_string: "BETA" }),
      step.toolCall("edit", { path: "notes/todo.txt", old_string: "a\n", new_string: "A\n" }),
      step.toolCall("read", { path: "notes/todo.txt", offset: 2, limit: 1 }),
      step.text("edited"),
    );
    const events = await collect(runAgentTurn({ model: scriptedModel("anthropic", server), backend, prompt: "edit" }));
    expect(turnEnd(events).reason).toBe("stop");
    expect(await readFile(join(workspace.dir, "notes/todo.txt"), "utf8")).toBe("alpha\nBETA\ngamma\n");
    const outputs = ofType(events, "tool-end").map((e) => e.output);
    expect(outputs[0]).toBe("Created notes/todo.txt (17 bytes, 3 lines).");
    expect(outputs[1]).toBe("     1\talpha\n     2\tbeta\n     3\tgamma");
    expect(outputs[2]).toContain("Edited notes/todo.txt (1 occurrence replaced).");
    expect(outputs[2]).toContain("--- a/notes/todo.txt\n+++ b/notes/todo.txt\n@@ -1,3 +1,3 @@\n alpha\n-beta\n+BETA\n gamma");
    expect(outputs[3]).toContain("old_string occurs 2 times in notes/todo.txt (lines 1, 3)");
    expect(outputs[3]).toContain("replace_all");
    expect(outputs[4]).toBe("     2\tBETA\n[lines 2-2 of 3; continue with offset=3]");
    expect(server.requests[5]!.toolResults.map((r) => r.isError)).toEqual([false, false, false, true, false]);
  });

  it("redacts secret values from live output, tool-end and what the model receives", async () => {
    await writeFile(join(workspace.dir, ".env"), "token=sup3rs3cr3tvalue42\n");
    server.enqueue(step.toolCall("bash", { command: "cat .env" }), step.toolCall("read", { path: ".env" }), step.text("ok"));
    const events = await collect(
      runAgentTurn({
        model: scriptedModel("openai", server),
        backend,
        prompt: "show",
        redactor: (await import("../safety/secret-redactor.js")).createRedactor({ env: { DEPLOY_TOKEN: "sup3rs3cr3tvalue42" } }),
      }),
    );
    const everything = JSON.stringify(events) + JSON.stringify(server.requests.map((r) => r.body));
    expect(everything).not.toContain("sup3rs3cr3tvalue42");
    expect(ofType(events, "tool-end").map((e) => e.output)).toEqual(["token=[REDACTED:DEPLOY_TOKEN]", "     1\ttoken=[REDACTED:DEPLOY_TOKEN]"]);
    expect(
      ofType(events, "tool-output")
        .map((e) => e.text)
        .join(""),
    ).toBe("token=[REDACTED:DEPLOY_TOKEN]\n");
  });

  it("gives the model head and tail of long output plus a file that read pages through", async () => {
    server.enqueue(step.toolCall("bash", { command: "seq 1 100000" }));
    server.enqueue(
      step.dynamic((request) => {
        const path = /Full output \(.*?\): (\S+) \./.exec(request.toolResults[0]!.content)?.[1];
        return step.toolCall("read", { path, offset: 54321, limit: 2 });
      }),
      step.text("found it"),
    );
    const events = await collect(runAgentTurn({ model: scriptedModel("openai", server), backend, prompt: "count" }));
    const [bashEnd, readEnd] = ofType(events, "tool-end");
    expect(bashEnd!.output.startsWith("1\n2\n3\n")).toBe(true);
    expect(bashEnd!.output.endsWith("99999\n100000")).toBe(true);
    expect(bashEnd!.output).toContain("Page through it with the read tool");
    expect(Buffer.byteLength(bashEnd!.output)).toBeLessThan(60 * 1024);
    expect(readEnd!.output).toBe(" 54321\t54321\n 54322\t54322\n[lines 54321-54322 of 100000; continue with offset=54323]");
    expect(
      ofType(events, "tool-output")
        .map((e) => e.text)
        .join("").length,
    ).toBe(588_895);
  });

  it("stops live output past liveOutputLimit with one note, while the model still gets head and tail", async () => {
    server.enqueue(step.toolCall("bash", { command: "seq 1 100000" }), step.text("ok"));
    const events = await collect(runAgentTurn({ model: scriptedModel("openai", server), backend, prompt: "count", liveOutputLimit: 10_000 }));
    const live = ofType(events, "tool-output")
      .map((e) => e.text)
      .join("");
    expect(live.length).toBeLessThan(200_000);
    expect(live).toContain("[... live output stops here (more than 10000 characters); the rest is in the tool result ...]");
    expect(live.endsWith("...]\n")).toBe(true);
    expect(ofType(events, "tool-end")[0]!.output.endsWith("99999\n100000")).toBe(true);
  });

  it("refuses to read a host file that is not a registered output file when the backend says it does not exist", async () => {
    await writeFile(join(workspace.dir, "binary.bin"), Buffer.from([0, 1, 2, 3, 255, 0]));
    server.enqueue(step.toolCall("read", { path: "binary.bin" }), step.toolCall("read", { path: "missing.txt" }), step.text("ok"));
    const events = await collect(runAgentTurn({ model: scriptedModel("openai", server), backend, prompt: "read" }));
    const [binary, missing] = ofType(events, "tool-end");
    expect(binary).toMatchObject({ isError: true });
    expect(binary!.output).toContain("binary.bin is a binary file (6 bytes)");
    expect(missing!.output).toContain("missing.txt does not exist (host backend)");
  });
});
