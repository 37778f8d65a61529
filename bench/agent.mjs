#!/usr/bin/env node
// Agent overhead per tool call: the time a turn spends outside the model calls and the commands.
// Reproduce: pnpm turbo build --filter @monoclaw/core... --filter @monoclaw/backend-host --filter @monoclaw/testkit && node bench/agent.mjs
// Options (env): BENCH_TURNS (default 30), BENCH_CALLS (tool calls per turn, default 10).
//
// Method: one scripted model server on 127.0.0.1 (the real OpenAI chat client of the AI SDK talks to it),
// the real host backend, createAgent with the default tools. Each turn makes BENCH_CALLS bash calls
// (`true`) then answers. Two probes, used only for accounting, measure inside each turn:
// - model time: from the provider's doStream call until its stream ends (HTTP round trip, server, SSE parsing);
// - command time: the backend's session.exec for each command.
// Overhead per tool call = (turn wall time - model time - command time) / tool calls.
// Baselines in the same run: a bare streamText call on the same server, and a bare session.exec("true").
import { createRequire } from "node:module";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { createAgent, resolveModel } from "../packages/core/dist/index.js";
import { createHostBackend } from "../packages/backend-host/dist/index.js";
import { startModelServer, step } from "../packages/testkit/dist/index.js";
import { stats } from "./stats.mjs";

// The scripted model's id is unknown to the AI SDK, which would print a warning per call into the report.
globalThis.AI_SDK_LOG_WARNINGS = false;

const TURNS = Number(process.env.BENCH_TURNS ?? 30);
const CALLS = Number(process.env.BENCH_CALLS ?? 10);
const TARGET_MS = 5;

const requireFromCore = createRequire(new URL("../packages/core/package.json", import.meta.url));
const { streamText, wrapLanguageModel } = await import(pathToFileURL(requireFromCore.resolve("ai")).href);

const ms = (value) => `${value.toFixed(2)} ms`;

const dir = await mkdtemp(join(tmpdir(), "monoclaw-bench-agent-"));
const server = await startModelServer();
const backend = createHostBackend({ cwd: dir });

// Probe: time inside the model calls.
let modelMs = 0;
const resolved = resolveModel({ model: "openai/gpt-4.1", env: { OPENAI_API_KEY: "sk-bench", OPENAI_BASE_URL: server.baseURL } });
const timedModel = wrapLanguageModel({
  model: resolved.model,
  middleware: {
    specificationVersion: "v3",
    wrapStream: async ({ doStream }) => {
      const started = performance.now();
      const result = await doStream();
      const stream = result.stream.pipeThrough(
        new TransformStream({
          flush() {
            modelMs += performance.now() - started;
          },
        }),
      );
      return { ...result, stream };
    },
  },
});

// Probe: time inside the commands.
let commandMs = 0;
const timedBackend = Object.create(backend, {
  openSession: {
    value: async (options) => {
      const session = await backend.openSession(options);
      return {
        exec: async (command, execOptions) => {
          const started = performance.now();
          try {
            return await session.exec(command, execOptions);
          } finally {
            commandMs += performance.now() - started;
          }
        },
        close: () => session.close(),
      };
    },
  },
});

const agent = createAgent({ model: { ...resolved, model: timedModel }, backend: timedBackend, redactor: undefined, system: "bench" });
const script = () => [...Array.from({ length: CALLS }, (_, i) => step.toolCall("bash", { command: "true" }, { id: `c${i}` })), step.text("done")];

// Warm up (JIT, shell session, HTTP keep-alive).
for (let i = 0; i < 3; i += 1) {
  server.enqueue(...script());
  for await (const _ of agent.run("warm up")) void _;
  agent.setMessages([]);
}

const perCall = [];
const turnWall = [];
for (let t = 0; t < TURNS; t += 1) {
  server.enqueue(...script());
  modelMs = 0;
  commandMs = 0;
  const started = performance.now();
  let reason;
  for await (const event of agent.run("run the commands")) if (event.type === "turn-end") reason = event.reason;
  const wall = performance.now() - started;
  if (reason !== "stop") throw new Error(`turn ended with ${reason}`);
  turnWall.push(wall);
  perCall.push((wall - modelMs - commandMs) / CALLS);
  agent.setMessages([]);
}

// Baselines: a bare model call with the same tools and a bare session command.
const toolDefs = (await import("../packages/core/dist/index.js")).createDefaultTools();
const { tool } = await import(pathToFileURL(requireFromCore.resolve("ai")).href);
const tools = Object.fromEntries(toolDefs.map((t) => [t.name, tool({ description: t.description, inputSchema: t.inputSchema })]));
const bareModel = [];
for (let i = 0; i < TURNS * 3; i += 1) {
  server.enqueue(step.toolCall("bash", { command: "true" }));
  const started = performance.now();
  const result = streamText({ model: resolved.model, system: "bench", messages: [{ role: "user", content: "x" }], tools, maxRetries: 0 });
  for await (const _ of result.fullStream) void _;
  bareModel.push(performance.now() - started);
}
const session = await backend.openSession();
const bareExec = [];
for (let i = 0; i < TURNS * 3; i += 1) {
  const started = performance.now();
  await session.exec("true");
  bareExec.push(performance.now() - started);
}
await session.close();
await agent.dispose();
await backend.dispose();
await server.close();
await rm(dir, { recursive: true, force: true });

const overhead = stats(perCall);
const model = stats(bareModel);
const exec = stats(bareExec);
const wall = stats(turnWall);
const perToolCallWall = wall.median / CALLS;
console.log(`## Agent overhead per tool call

Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}. ${TURNS} turns × ${CALLS} bash calls (\`true\`) through
\`createAgent\` (real AI SDK OpenAI chat client, scripted model server on 127.0.0.1, real host backend, default tools).

| measure | median | p95 |
|---|---|---|
| **agent overhead per tool call** (turn − model calls − commands) | **${ms(overhead.median)}** | ${ms(overhead.p95)} |
| turn wall time / tool calls | ${ms(perToolCallWall)} | |
| baseline: bare \`streamText\` call on the same server (one step) | ${ms(model.median)} | ${ms(model.p95)} |
| baseline: bare \`session.exec("true")\` on the host backend | ${ms(exec.median)} | ${ms(exec.p95)} |

Target: median overhead under ${TARGET_MS} ms per tool call: **${overhead.median < TARGET_MS ? "met" : "NOT met"}**
(overhead is ${((overhead.median / (model.median + exec.median)) * 100).toFixed(1)}% of one bare model call + one bare command).

Reproduce: \`pnpm turbo build --filter @monoclaw/core --filter @monoclaw/backend-host --filter @monoclaw/testkit && node bench/agent.mjs\`
(\`BENCH_TURNS\`, \`BENCH_CALLS\` to change the run).
`);
