#!/usr/bin/env node
// mom under load: 50 @mentions across 10 channels while runs are busy, through
// the fake Slack (real @slack/bolt client, Socket Mode) and the scripted model
// server (real AI SDK client), tools on the host backend.
//
// Checks: every envelope acknowledged within Slack's 3 s, every mention
// answered exactly once (none lost, none duplicated). Baseline measured in the
// same run: a bare bolt app that only acknowledges (and logs) the same burst.
// Prints a Markdown section.
//
//   pnpm turbo build --filter @monoclaw/mom... --filter @monoclaw/testkit
//   node bench/mom-load.mjs [--mentions 50] [--channels 10] [--max-runs 4]
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createRequire } from "node:module";

// The scripted model's id is unknown to the AI SDK, which would print a warning per call into the report.
globalThis.AI_SDK_LOG_WARNINGS = false;

const root = new URL("..", import.meta.url);
const testkit = await import(new URL("packages/testkit/dist/index.js", root).href);
const mom = await import(new URL("apps/mom/dist/index.js", root).href);
const requireFromMom = createRequire(new URL("apps/mom/package.json", root));
const { App, LogLevel } = await import(requireFromMom.resolve("@slack/bolt"));

const { values } = parseArgs({
  options: {
    mentions: { type: "string", default: "50" },
    channels: { type: "string", default: "10" },
    "max-runs": { type: "string", default: "4" },
  },
});
const MENTIONS = Number(values.mentions);
const CHANNELS = Number(values.channels);
const MAX_RUNS = Number(values["max-runs"]);
const ACK_LIMIT_MS = 3000;

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN;
};
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const channelIds = Array.from({ length: CHANNELS }, (_, i) => `CLOAD${String(i).padStart(3, "0")}`);

async function newFake() {
  const fake = await testkit.startFakeSlack();
  fake.addUser({ id: "UALICE", name: "alice" });
  for (const id of channelIds) fake.addChannel({ id, name: id.toLowerCase() });
  return fake;
}

/** Posts the burst: one mention per channel first, then (once runs are busy) the rest at once. */
async function postBurst(fake, whenBusy) {
  const posted = [];
  for (let i = 0; i < MENTIONS; i++) {
    if (i === CHANNELS) await whenBusy();
    const channel = channelIds[i % CHANNELS];
    const { envelopeIds } = fake.postUserMessage({ channel, user: "UALICE", text: `<@UBOT> task m${i}` });
    posted.push({ id: `m${i}`, channel, envelopeIds });
  }
  return posted;
}

function ackStats(fake) {
  const latencies = fake.envelopes.filter((e) => e.ackedAt !== undefined).map((e) => e.ackedAt - e.sentAt);
  return {
    count: fake.envelopes.length,
    acked: latencies.length,
    median: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    max: Math.max(...latencies),
    over: latencies.filter((l) => l > ACK_LIMIT_MS).length,
    redelivered: fake.envelopes.filter((e) => e.deliveries > 1).length,
  };
}

// ---- baseline: bare bolt, acknowledging only ----
async function baseline() {
  const fake = await newFake();
  const app = new App({
    token: fake.botToken,
    appToken: fake.appToken,
    socketMode: true,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: fake.apiUrl },
  });
  app.event("app_mention", async () => undefined);
  app.event("message", async () => undefined);
  await app.start();
  const started = performance.now();
  await postBurst(fake, async () => undefined);
  await fake.waitFor(() => fake.envelopes.every((e) => e.ackedAt !== undefined), { timeoutMs: 60_000, description: "baseline acks" });
  const wallMs = performance.now() - started;
  const stats = ackStats(fake);
  await app.stop();
  await fake.close();
  return { ...stats, wallMs };
}

// ---- mom ----
async function momRun() {
  const fake = await newFake();
  const lastIsToolResult = (request) => {
    const last = request.body.messages?.at(-1);
    return Array.isArray(last?.content) && last.content.some((p) => p.type === "tool_result");
  };
  const respond = (request) => {
    if (lastIsToolResult(request)) {
      const id = /done (m\d+)/.exec(request.toolResults.at(-1)?.content ?? "")?.[1] ?? "unknown";
      return { text: `answer ${id}`, chunkSize: 4 };
    }
    const id = /task (m\d+)/.exec(request.lastUserText)?.[1] ?? "unknown";
    return { toolCalls: [{ name: "bash", input: { command: `sleep 0.3; echo done ${id}` } }] };
  };
  const model = await testkit.startModelServer(Array.from({ length: MENTIONS * 2 + 20 }, () => testkit.step.dynamic(respond)));
  const dir = await mkdtemp(join(tmpdir(), "mom-load-"));
  const home = join(dir, "home");
  const data = join(dir, "data");
  await mkdir(home, { recursive: true });
  await mkdir(data, { recursive: true });
  await writeFile(
    join(home, "config.yaml"),
    `model: anthropic/scripted-model\nproviders:\n  anthropic:\n    base_url: ${model.baseURL}\n    api_key: sk-ant-bench-key-000000\n`,
  );
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    MONOCLAW_HOME: home,
    MOM_SLACK_BOT_TOKEN: fake.botToken,
    MOM_SLACK_APP_TOKEN: fake.appToken,
    MOM_SLACK_API_URL: fake.apiUrl,
  };
  const stderr = [];
  const running = await mom.startMom(["--sandbox=host", `--max-runs=${MAX_RUNS}`, data], { out: () => undefined, err: (t) => stderr.push(t), env, cwd: dir });
  const started = performance.now();
  const posted = await postBurst(fake, () => model.waitForRequests(Math.min(MAX_RUNS, CHANNELS)));
  const answered = (p) => fake.botMessages(p.channel).filter((m) => m.text === `answer ${p.id}`);
  await fake.waitFor(() => posted.every((p) => answered(p).length >= 1), { timeoutMs: 600_000, description: "every mention answered" });
  const wallMs = performance.now() - started;
  await running.bot.idle();
  const stats = ackStats(fake);
  const missing = posted.filter((p) => answered(p).length === 0).length;
  const duplicated = posted.filter((p) => answered(p).length > 1).length;
  const queuedNotes = channelIds.flatMap((c) => fake.botMessages(c)).filter((m) => m.text.startsWith("Queued:")).length;
  const updates = fake.callsOf("chat.update");
  // busiest second of chat.update per channel (Slack allows about one a second)
  const perChannelSecond = new Map();
  for (const call of updates) {
    const key = `${call.args.channel}:${Math.floor(call.at / 1000)}`;
    perChannelSecond.set(key, (perChannelSecond.get(key) ?? 0) + 1);
  }
  await running.stop();
  await model.close();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
  return {
    ...stats,
    wallMs,
    missing,
    duplicated,
    queuedNotes,
    updates: updates.length,
    maxUpdatesPerChannelSecond: Math.max(0, ...perChannelSecond.values()),
    modelRequests: model.requests.length,
  };
}

const base = await baseline();
const m = await momRun();
const ok = m.over === 0 && m.acked === m.count && m.missing === 0 && m.duplicated === 0;

console.log(`## mom under load (\`bench/mom-load.mjs\`)

${MENTIONS} @mentions across ${CHANNELS} channels (one per channel first; the other ${MENTIONS - CHANNELS} posted at once while those runs are busy), each run one \`bash\` call (\`sleep 0.3\`) on the host backend and a streamed answer; \`--max-runs=${MAX_RUNS}\`. Real @slack/bolt 5.1.0 in Socket Mode against the fake Slack, real AI SDK Anthropic client against the scripted model server. The fake Slack also sends a \`message\` event per mention and echoes each bot post, as Slack does.

| | envelopes | acked | ack median | ack p95 | ack max | over 3 s | redelivered |
|---|---|---|---|---|---|---|---|
| baseline: bare bolt, ack only | ${base.count} | ${base.acked} | ${fmt(base.median)} | ${fmt(base.p95)} | ${fmt(base.max)} | ${base.over} | ${base.redelivered} |
| mom | ${m.count} | ${m.acked} | ${fmt(m.median)} | ${fmt(m.p95)} | ${fmt(m.max)} | ${m.over} | ${m.redelivered} |

- ack p95, mom / baseline: ${(m.p95 / base.p95).toFixed(2)}x (target: every ack under ${ACK_LIMIT_MS} ms)
- mentions answered: ${MENTIONS - m.missing}/${MENTIONS}; lost: ${m.missing}; answered twice: ${m.duplicated}
- "Queued" notes posted: ${m.queuedNotes}; model requests: ${m.modelRequests}; \`chat.update\` calls: ${m.updates}, at most ${m.maxUpdatesPerChannelSecond} per channel in any one second
- all ${MENTIONS} answered in ${(m.wallMs / 1000).toFixed(1)} s (baseline acked its burst in ${(base.wallMs / 1000).toFixed(2)} s)
- result: **${ok ? "PASS" : "FAIL"}**

Reproduce: \`pnpm turbo build --filter @monoclaw/mom... --filter @monoclaw/testkit && node bench/mom-load.mjs\`
`);
process.exitCode = ok ? 0 : 1;
