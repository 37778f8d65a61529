import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describeRequest, type RecordedRequest, type WireFormat } from "./recorded-request.js";
import type { ScriptedReply, ScriptedStep } from "./scripted-step.js";
import { errorBody, renderAnthropic, renderOpenAI } from "./wire-formats.js";

/**
 * A scripted model server on 127.0.0.1 (random port) that drives the real AI
 * SDK clients offline. It speaks OpenAI's `POST /v1/chat/completions` and
 * Anthropic's `POST /v1/messages` (streaming SSE or plain JSON), and answers
 * `GET /v1/models` so reachability checks pass.
 *
 * Rules:
 * - Each model request takes the next step of the script, whatever its wire
 *   format. When the script is used up the server answers 500 with a message
 *   saying so, so a test that expected fewer calls fails clearly.
 * - Every model request is recorded in `requests` (body, system prompt, tool
 *   results) before it is answered.
 * - `close()` ends every open connection (hanging ones included) and resolves
 *   when the port is released.
 */
export interface ModelServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Base URL for AI SDK providers (`url + "/v1"`), for OpenAI and Anthropic alike. */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  /** Appends steps to the script. */
  enqueue(...steps: ScriptedStep[]): void;
  /** Steps not yet used. */
  readonly remaining: number;
  /** Resolves when at least `count` model requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

export interface ModelServerOptions {
  /** Model name echoed in responses (default `scripted-model`). */
  model?: string;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on("data", (chunk: Buffer) => parts.push(chunk));
    request.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    request.on("error", reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  response.end(text);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startModelServer(script: ScriptedStep[] = [], options: ModelServerOptions = {}): Promise<ModelServer> {
  const steps = [...script];
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const model = options.model ?? "scripted-model";

  const notify = () => {
    for (const waiter of [...waiters]) {
      if (requests.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  async function answer(format: WireFormat, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const raw = await readBody(request);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      sendJson(response, 400, errorBody(format, 400, "scripted model server: request body is not JSON"));
      return;
    }
    const recorded: RecordedRequest = {
      index: requests.length,
      format,
      path: request.url ?? "",
      headers: request.headers,
      body,
      ...describeRequest(format, body),
    };
    requests.push(recorded);
    notify();
    let next = steps.shift();
    while (next?.type === "dynamic") next = next.respond(recorded);
    const done = () => {
      recorded.serverMs = performance.now() - started;
    };
    if (next === undefined) {
      sendJson(response, 500, errorBody(format, 500, `scripted model server: no scripted step left for request #${recorded.index}`));
      return done();
    }
    if (next.type === "error") {
      sendJson(response, next.status, errorBody(format, next.status, next.message ?? `scripted error ${next.status}`), next.headers);
      return done();
    }
    if (next.type === "hang") return;
    if (next.type === "disconnect") {
      request.socket.destroy();
      return done();
    }
    const reply: ScriptedReply = next;
    const replyText = reply.text ?? "";
    const argumentText = (reply.toolCalls ?? []).map((c) => c.rawArguments ?? JSON.stringify(c.input ?? {})).join("");
    const usage = reply.usage ?? {
      inputTokens: Math.ceil(raw.length / 4),
      outputTokens: Math.max(1, Math.ceil((replyText.length + argumentText.length) / 4)),
    };
    const context = { model: typeof body.model === "string" ? body.model : model, requestIndex: recorded.index, usage };
    const rendered = format === "openai" ? renderOpenAI(reply, context) : renderAnthropic(reply, context);
    if (body.stream !== true) {
      if (reply.hangAfterText === true) return;
      sendJson(response, 200, rendered.json);
      return done();
    }
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const last = reply.hangAfterText === true ? rendered.textEnd : rendered.frames.length;
    const delay = reply.chunkDelayMs ?? 0;
    for (let i = 0; i < last; i += 1) {
      if (response.destroyed) return done();
      response.write(rendered.frames[i]);
      if (delay > 0) await sleep(delay);
    }
    if (reply.hangAfterText === true) return done();
    response.end();
    done();
  }

  const server = createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0] ?? "";
    const route = (): Promise<void> | void => {
      if (request.method === "POST" && path.endsWith("/chat/completions")) return answer("openai", request, response);
      if (request.method === "POST" && path.endsWith("/messages")) return answer("anthropic", request, response);
      if (request.method === "GET" && path.endsWith("/models")) {
        return sendJson(response, 200, { object: "list", data: [{ id: model, object: "model", type: "model" }] });
      }
      return sendJson(response, 404, { error: { message: `scripted model server: no route for ${request.method} ${path}` } });
    };
    Promise.resolve(route()).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: { message: String(error) } });
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    enqueue: (...more) => void steps.push(...more),
    get remaining() {
      return steps.length;
    },
    waitForRequests: (count) => (requests.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
