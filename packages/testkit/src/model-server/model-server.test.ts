import { afterEach, describe, expect, it } from "vitest";
import { startModelServer, type ModelServer } from "./model-server.js";
import { step } from "./scripted-step.js";

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${server!.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** The `data:` payloads of an SSE body, JSON-parsed where possible. */
async function sseData(response: Response): Promise<unknown[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .map((frame) => frame.split("\n").find((line) => line.startsWith("data: ")))
    .filter((line): line is string => line !== undefined)
    .map((line) => line.slice(6))
    .map((data) => (data === "[DONE]" ? data : JSON.parse(data)));
}

describe("scripted model server, OpenAI chat completions", () => {
  it("streams text, then tool calls with arguments split across chunks, a finish reason and usage", async () => {
    server = await startModelServer([
      step.text("Hello there, world", { usage: { inputTokens: 11, outputTokens: 7 } }),
      step.toolCall("bash", { command: "echo hi" }, { id: "call_x" }),
    ]);
    const first = await sseData(await post("/v1/chat/completions", { model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }));
    const text = first
      .flatMap((f) => (typeof f === "object" ? ((f as { choices: { delta: { content?: string } }[] }).choices ?? []) : []))
      .map((c) => c.delta.content ?? "")
      .join("");
    expect(text).toBe("Hello there, world");
    expect(first.at(-1)).toBe("[DONE]");
    expect(first.at(-2)).toMatchObject({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 7 } });
    expect(first.at(-3)).toMatchObject({ choices: [{ finish_reason: "stop" }] });

    const second = await sseData(await post("/v1/chat/completions", { model: "m", stream: true, messages: [] }));
    const deltas = second.flatMap((f) =>
      typeof f === "object"
        ? ((f as { choices: { delta: { tool_calls?: { id?: string; function: { arguments: string; name?: string } }[] } }[] }).choices ?? [])
        : [],
    );
    const calls = deltas.flatMap((c) => c.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ id: "call_x", function: { name: "bash", arguments: "" } });
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.map((c) => c.function.arguments).join("")).toBe('{"command":"echo hi"}');
    expect(second.at(-3)).toMatchObject({ choices: [{ finish_reason: "tool_calls" }] });
  });

  it("sends malformed arguments verbatim", async () => {
    server = await startModelServer([{ toolCalls: [{ name: "bash", rawArguments: '{"command": "ls' }] }]);
    const frames = await sseData(await post("/v1/chat/completions", { stream: true, messages: [] }));
    const args = frames
      .flatMap((f) => (typeof f === "object" ? ((f as { choices: { delta: { tool_calls?: { function: { arguments: string } }[] } }[] }).choices ?? []) : []))
      .flatMap((c) => c.delta.tool_calls ?? [])
      .map((c) => c.function.arguments)
      .join("");
    expect(args).toBe('{"command": "ls');
  });

  it("records tool results, the system prompt and offered tools", async () => {
    server = await startModelServer([step.text("ok")]);
    await (
      await post("/v1/chat/completions", {
        stream: true,
        tools: [{ type: "function", function: { name: "bash", parameters: {} } }],
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: "run it" },
          { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "bash", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "c1", content: "exit 0\nhello" },
        ],
      })
    ).text();
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      format: "openai",
      system: "be brief",
      lastUserText: "run it",
      toolNames: ["bash"],
      toolResults: [{ toolCallId: "c1", content: "exit 0\nhello", isError: false }],
    });
    expect(server.requests[0]!.serverMs).toBeGreaterThanOrEqual(0);
  });

  it("answers scripted HTTP errors with their headers, and 500 once the script is used up", async () => {
    server = await startModelServer([step.error(429, { headers: { "retry-after": "2" }, message: "slow down" })]);
    const limited = await post("/v1/chat/completions", { stream: true, messages: [] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(await limited.json()).toMatchObject({ error: { message: "slow down" } });
    const exhausted = await post("/v1/chat/completions", { stream: true, messages: [] });
    expect(exhausted.status).toBe(500);
    expect(JSON.stringify(await exhausted.json())).toContain("no scripted step left for request #1");
  });

  it("answers non-streaming requests with one JSON body", async () => {
    server = await startModelServer([step.toolCall("read", { path: "a.txt" }, { id: "c9", text: "reading" })]);
    const body = await (await post("/v1/chat/completions", { messages: [] })).json();
    expect(body).toMatchObject({
      choices: [
        { message: { content: "reading", tool_calls: [{ id: "c9", function: { name: "read", arguments: '{"path":"a.txt"}' } }] }, finish_reason: "tool_calls" },
      ],
    });
  });
});

describe("scripted model server, Anthropic messages", () => {
  it("streams a text block and a tool_use block with input_json_delta", async () => {
    server = await startModelServer([{ text: "Let me look.", toolCalls: [{ id: "toolu_a", name: "read", input: { path: "/etc/hostname" } }] }]);
    const response = await post("/v1/messages", { model: "claude", stream: true, messages: [{ role: "user", content: "look" }] });
    const frames = (await sseData(response)) as Array<Record<string, any>>;
    expect(frames[0]).toMatchObject({ type: "message_start", message: { role: "assistant" } });
    const text = frames
      .filter((f) => f.delta?.type === "text_delta")
      .map((f) => f.delta.text)
      .join("");
    expect(text).toBe("Let me look.");
    expect(frames.find((f) => f.content_block?.type === "tool_use")).toMatchObject({
      content_block: { id: "toolu_a", name: "read" },
    });
    const json = frames
      .filter((f) => f.delta?.type === "input_json_delta")
      .map((f) => f.delta.partial_json)
      .join("");
    expect(JSON.parse(json)).toEqual({ path: "/etc/hostname" });
    expect(frames.at(-2)).toMatchObject({ type: "message_delta", delta: { stop_reason: "tool_use" } });
    expect(frames.at(-1)).toMatchObject({ type: "message_stop" });
  });

  it("records tool_result blocks (errors and images included) and uses Anthropic's error format", async () => {
    server = await startModelServer([step.error(500)]);
    const response = await post("/v1/messages", {
      stream: true,
      system: [{ type: "text", text: "sys" }],
      tools: [{ name: "bash", input_schema: {} }],
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "bash", input: {} }] },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "t1",
              is_error: true,
              content: [
                { type: "text", text: "bad" },
                { type: "image", source: { type: "base64", media_type: "image/png", data: "AA==" } },
              ],
            },
          ],
        },
      ],
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect(server.requests[0]).toMatchObject({
      format: "anthropic",
      system: "sys",
      lastUserText: "go",
      toolNames: ["bash"],
      toolResults: [{ toolCallId: "t1", content: "bad", isError: true, images: ["image/png"] }],
    });
  });
});

describe("scripted model server, hangs and dynamic steps", () => {
  it("keeps a hanging request open until the server closes, and close() still returns", async () => {
    server = await startModelServer([step.hang()]);
    const pending = post("/v1/chat/completions", { stream: true, messages: [] }).catch((error: unknown) => error);
    await server.waitForRequests(1);
    await server.close();
    expect(await pending).toBeInstanceOf(Error);
    server = undefined;
  });

  it("streams the text of a hangAfterText reply, then stops answering", async () => {
    server = await startModelServer([{ text: "partial answer", hangAfterText: true }]);
    const controller = new AbortController();
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ stream: true, messages: [] }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let received = "";
    while (!received.includes("answer")) {
      const { value } = await reader.read();
      received += new TextDecoder().decode(value);
    }
    expect(received).not.toContain('finish_reason":"stop');
    controller.abort();
  });

  it("drops the connection for a disconnect step", async () => {
    server = await startModelServer([step.disconnect(), step.text("back")]);
    expect(await post("/v1/chat/completions", { messages: [] }).catch((error: unknown) => error)).toBeInstanceOf(Error);
    expect(await (await post("/v1/chat/completions", { messages: [] })).json()).toMatchObject({ choices: [{ message: { content: "back" } }] });
  });

  it("lets a dynamic step answer from the request", async () => {
    server = await startModelServer([step.dynamic((request) => step.text(`you said: ${request.lastUserText}`))]);
    const body = await (await post("/v1/chat/completions", { messages: [{ role: "user", content: "ping" }] })).json();
    expect(body).toMatchObject({ choices: [{ message: { content: "you said: ping" } }] });
    expect(server.remaining).toBe(0);
  });

  it("answers GET /v1/models for reachability checks", async () => {
    server = await startModelServer();
    const response = await fetch(`${server.baseURL}/models`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ object: "list" });
  });
});
