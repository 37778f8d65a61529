#!/usr/bin/env node
// Soak: mom as users run her (`node apps/mom/dist/bin.js`, a child process)
// with one container per channel (`--sandbox=docker-per-channel`, busybox,
// `network: none`) answers a stream of @mentions across 10 channels for a
// fixed time, through testkit's fake Slack (real @slack/bolt, Socket Mode)
// and scripted model server (real AI SDK). Some requests print 50 MB, read a
// device or a FIFO, time out, or are stopped with `@mom stop`; the engine
// restarts once in the middle. The engine is the bench's own dockerd
// (soak-engine.mjs), never the machine's shared one. Needs root.
//
// Every mention carries a nonce; the fake Slack's record must hold exactly
// one top-level answer per nonce. Prints a Markdown section and exits 1 when
// a mention was lost or answered twice, spill bytes are left under mom's
// TMPDIR, or mom's open descriptors did not come back to the start level.
//
//   pnpm turbo build --filter @monoclaw/mom... --filter @monoclaw/testkit
//   node bench/soak.mjs [--duration 60s] [--channels 10] [--interval-ms 400]
//     [--kinds normal,big,...] [--no-restart]   (to find which kind fails a criterion)
//   SOAK_DEBUG=1 also prints each big request's tool detail and mom's sockets with their peers.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { startSoakEngine } from "./soak-engine.mjs";

const root = new URL("..", import.meta.url);
const testkit = await import(new URL("packages/testkit/dist/index.js", root).href);
const MOM_BIN = fileURLToPath(new URL("apps/mom/dist/bin.js", root));

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "60s" },
    channels: { type: "string", default: "10" },
    "interval-ms": { type: "string", default: "400" },
    "max-runs": { type: "string", default: "4" },
    kinds: { type: "string", default: "normal,big,normal,device,fifo,normal,timeout,stop" },
    "no-restart": { type: "boolean", default: false },
  },
});

function parseDuration(text) {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!match) throw new Error(`--duration ${text}: not a duration; use e.g. --duration 60s, 2m or 90000ms`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] ?? "s"];
}
const DURATION_MS = parseDuration(values.duration);
const CHANNELS = Number(values.channels);
const INTERVAL_MS = Number(values["interval-ms"]);
const MAX_RUNS = Number(values["max-runs"]);
const IMAGE = "monoclaw-test/busybox:latest";
const BIG_BYTES = 50_000_000;
/**
 * Open descriptors mom may hold above the start level at the end. Both counts
 * are taken after 6.5 s idle, when the agent's keep-alive sockets are closed
 * and what is left per channel is its shell session and its file channel
 * (attached `docker exec` streams, opened by the warm-up); 2 leaves room for a session being re-opened or a Slack reconnect
 * in flight, while one leaked spill file or exec stream per failed request
 * (the engine restart fails several) would exceed it.
 */
const FD_TOLERANCE = 2;

/** What each kind of request asks the model to run, step by step; then the model answers `answer <nonce>`. */
const KINDS = {
  normal: (n) => [{ name: "bash", input: { command: `echo done ${n}` } }],
  // Warm-up: a command and a file read, so the channel's shell session and its file channel (both long-lived exec streams) are open before the start count.
  warmup: (n) => [
    { name: "bash", input: { command: `echo warm > /tmp/warm-${n}` } },
    { name: "read", input: { path: `/tmp/warm-${n}` } },
  ],
  big: () => [{ name: "bash", input: { command: `yes | head -c ${BIG_BYTES}` } }],
  device: () => [{ name: "read", input: { path: "/dev/zero" } }],
  fifo: (n) => [
    { name: "bash", input: { command: `mkfifo /tmp/fifo-${n}` } },
    { name: "read", input: { path: `/tmp/fifo-${n}` } },
  ],
  timeout: () => [{ name: "bash", input: { command: "sleep 600", timeout: 2 } }],
  stop: () => [{ name: "bash", input: { command: "sleep 600", timeout: 120 } }],
};
const MIX = values.kinds.split(",");
for (const kind of MIX) if (!(kind in KINDS)) throw new Error(`--kinds: unknown kind '${kind}'; use some of ${Object.keys(KINDS).join(", ")}`);

const channelIds = Array.from({ length: CHANNELS }, (_, i) => `CSOAK${String(i).padStart(3, "0")}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;

async function treeBytes(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await treeBytes(path);
    else total += (await stat(path).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** Bytes of files under `dir` that are deleted but still open in `pid`: their disk space is not given back until they are closed. */
async function deletedButOpenBytes(pid, dir) {
  let total = 0;
  for (const name of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const target = await readlink(`/proc/${pid}/fd/${name}`).catch(() => "");
    if (target.startsWith(dir) && target.endsWith(" (deleted)")) total += (await stat(`/proc/${pid}/fd/${name}`).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** `ss` lines of the process's sockets (SOAK_DEBUG: which peers hold descriptors). */
async function socketsOf(pid) {
  const { stdout } = await promisify(execFile)("ss", ["-anpx"], { maxBuffer: 64 << 20 });
  const lines = stdout.split("\n").map((l) => l.replace(/\s+/g, " "));
  const ownerOf = new Map(lines.map((l) => [l.split(" ")[5], /users:\(\("([^"]+)",pid=(\d+)/.exec(l)?.slice(1).join(":") ?? "?"]));
  return lines
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => `${l.replace(/users:.*/, "")} peer: ${ownerOf.get(l.split(" ")[7]) ?? "?"}`)
    .join("\n");
}

async function openFds(pid) {
  const names = await readdir(`/proc/${pid}/fd`);
  const targets = await Promise.all(names.map((n) => readlink(`/proc/${pid}/fd/${n}`).catch(() => "?")));
  return targets;
}

const work = await mkdtemp(join(tmpdir(), "mcsoak-"));
const engineDir = join(work, "engine");
const home = join(work, "home");
const data = join(work, "data");
const momTmp = join(work, "tmp");
for (const dir of [engineDir, home, data, momTmp]) await mkdir(dir, { recursive: true });

const engine = await startSoakEngine(engineDir);
let mom;
let fake;
let model;
let exitCode = 1;
try {
  await engine.loadImage(IMAGE);
  fake = await testkit.startFakeSlack();
  fake.addUser({ id: "UALICE", name: "alice" });
  for (const id of channelIds) fake.addChannel({ id, name: id.toLowerCase() });

  /** Per nonce: its kind, how many model requests it made, when its stoppable command started and whether its tool result came back. */
  const requests = new Map();
  const respond = (request) => {
    const matches = [...request.lastUserText.matchAll(/task (\S+) (\w+)/g)];
    const [, nonce, kind] = matches.at(-1) ?? [];
    const state = requests.get(nonce);
    if (!state) return { text: "no nonce in this request" };
    const steps = KINDS[kind](nonce);
    const stage = state.modelRequests++;
    if (stage > 0) state.toolResultSeen = true;
    if (stage < steps.length) {
      if (kind === "stop") state.commandIssuedAt = Date.now();
      return { text: `working on ${nonce}`, toolCalls: [steps[stage]] };
    }
    return { text: `answer ${nonce}`, chunkSize: 16 };
  };
  model = await testkit.startModelServer(Array.from({ length: 100_000 }, () => testkit.step.dynamic(respond)));

  await writeFile(
    join(home, "config.yaml"),
    `model: anthropic/scripted-model
providers:
  anthropic:
    base_url: ${model.baseURL}
    api_key: sk-ant-bench-key-000000
terminal:
  docker:
    image: ${IMAGE}
    pull: never
    network: none
    memory: 256m
`,
  );
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    MONOCLAW_HOME: home,
    TMPDIR: momTmp,
    DOCKER_HOST: engine.host,
    MOM_SLACK_BOT_TOKEN: fake.botToken,
    MOM_SLACK_APP_TOKEN: fake.appToken,
    MOM_SLACK_API_URL: fake.apiUrl,
  };
  let stderr = "";
  mom = spawn(process.execPath, [MOM_BIN, `--sandbox=docker-per-channel:${IMAGE}`, `--max-runs=${MAX_RUNS}`, data], {
    env,
    cwd: work,
    stdio: ["ignore", "ignore", "pipe"],
  });
  mom.stderr.on("data", (chunk) => {
    stderr += chunk.toString();
  });
  const momExited = new Promise((resolve) => mom.once("exit", (code, signal) => resolve({ code, signal })));
  for (let t = 0; t < 600 && !stderr.includes("connected to Slack") && mom.exitCode === null; t++) await sleep(100);
  if (!stderr.includes("connected to Slack")) throw new Error(`mom did not start:\n${stderr}`);

  const topLevel = (channel) => fake.botMessages(channel).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
  /** mom's top-level messages that end the run of `p`: its answer, or (stopped, failed) the note that says so under its streamed text. */
  const answersOf = (p) =>
    topLevel(p.channel).filter((m) => m.text.includes(`answer ${p.nonce}`) || (m.text.includes(p.nonce) && /_(Stopped|Something went wrong)/.test(m.text)));
  const finished = (p) => answersOf(p).length > 0;
  const posted = [];
  let serial = 0;
  const post = (channel, kind) => {
    const nonce = `n${serial++}x${randomBytes(3).toString("hex")}`;
    requests.set(nonce, { kind, modelRequests: 0, toolResultSeen: false });
    fake.postUserMessage({ channel, user: "UALICE", text: `<@UBOT> task ${nonce} ${kind}` });
    const p = { nonce, channel, kind, postedAt: Date.now() };
    posted.push(p);
    return p;
  };
  const settle = async () => {
    await fake.waitFor(() => posted.every(finished), { timeoutMs: 300_000, description: "every mention answered" }).catch(() => undefined);
    // Idle long enough for Node's global agent to close its idle keep-alive sockets to the engine (its timeout is 5 s), so both counts hold only what mom keeps.
    await sleep(6500);
  };

  // Warm-up: every channel's container made and used once, so the start level of descriptors includes what a served channel keeps.
  for (const channel of channelIds) post(channel, "warmup");
  await settle();
  const fdsAtStart = await openFds(mom.pid);
  const socketsAtStart = process.env.SOAK_DEBUG ? await socketsOf(mom.pid) : "";
  const rss = testkit.samplePeakRss(mom.pid, 100);

  // The stream, with the engine restarted once in the middle and `@mom stop` sent to the runs of kind "stop".
  const started = Date.now();
  let restart;
  let restartMs = 0;
  const stops = [];
  const stopper = setInterval(() => {
    for (const p of posted) {
      const state = requests.get(p.nonce);
      if (p.kind !== "stop" || p.stopSent || state.toolResultSeen || state.commandIssuedAt === undefined) continue;
      if (Date.now() - state.commandIssuedAt < 1000) continue;
      p.stopSent = true;
      stops.push(p);
      fake.postUserMessage({ channel: p.channel, user: "UALICE", text: "<@UBOT> stop" });
    }
  }, 200);
  let i = 0;
  while (Date.now() - started < DURATION_MS) {
    if (!restart && !values["no-restart"] && Date.now() - started >= DURATION_MS / 2) {
      const t0 = Date.now();
      restart = engine.restart().then(() => {
        restartMs = Date.now() - t0;
      });
    }
    const kind = MIX[i % MIX.length];
    // A stop would end whatever runs in the channel; while the engine restarts a "stop" command may already be gone, so send none then.
    post(channelIds[i % CHANNELS], kind === "stop" && restart && restartMs === 0 ? "normal" : kind);
    i++;
    await sleep(INTERVAL_MS);
  }
  await restart;
  const streamMs = Date.now() - started;
  await settle();
  clearInterval(stopper);
  const drainMs = Date.now() - started - streamMs;
  const peakRss = rss.stop();
  const fdsAtEnd = await openFds(mom.pid);
  const socketsAtEnd = process.env.SOAK_DEBUG ? await socketsOf(mom.pid) : "";
  const heldBytes = await deletedButOpenBytes(mom.pid, momTmp);
  const spillBytes = (await treeBytes(join(momTmp, "monoclaw-output"))) + heldBytes;
  const tmpBytes = await treeBytes(momTmp);

  const lost = posted.filter((p) => answersOf(p).length === 0);
  const duplicated = posted.filter((p) => answersOf(p).length > 1);
  const byKind = Object.keys(KINDS).map((kind) => {
    const ofKind = posted.filter((p) => p.kind === kind);
    return { kind, count: ofKind.length, answered: ofKind.filter(finished).length };
  });
  const stoppedShown = stops.filter((p) => answersOf(p).some((m) => m.text.includes("_Stopped"))).length;
  const fdGrowth = fdsAtEnd.length - fdsAtStart.length;
  const ok = lost.length === 0 && duplicated.length === 0 && spillBytes === 0 && fdGrowth <= FD_TOLERANCE && mom.exitCode === null;

  mom.kill("SIGTERM");
  const exit = await Promise.race([momExited, sleep(15_000).then(() => ({ code: "still running after 15 s", signal: null }))]);

  console.log(`## Soak: mom under a stream of mixed requests (\`bench/soak.mjs\`)

\`mom --sandbox=docker-per-channel:${IMAGE} --max-runs=${MAX_RUNS}\` as a child process (\`network: none\`, 256 MiB per container) on the bench's own dockerd, one mention every ${INTERVAL_MS} ms across ${CHANNELS} channels for ${(streamMs / 1000).toFixed(0)} s after a warm-up mention per channel; the engine restarted once at ${(DURATION_MS / 2000).toFixed(0)} s (took ${(restartMs / 1000).toFixed(1)} s). Real @slack/bolt against the fake Slack, real AI SDK against the scripted model server. Kinds, in turn: ${MIX.join(", ")} (big: \`yes | head -c ${BIG_BYTES}\`; device: \`read /dev/zero\`; fifo: \`mkfifo\` then \`read\` it; timeout: \`sleep 600\` with \`timeout: 2\`; stop: \`sleep 600\` ended by \`@mom stop\`).

| kind | posted | answered |
|---|---|---|
${byKind.map((k) => `| ${k.kind} | ${k.count} | ${k.answered} |`).join("\n")}

- requests answered: ${posted.length - lost.length}/${posted.length}
- lost: ${lost.length}
- duplicated: ${duplicated.length}
- stops sent: ${stops.length}, answered "Stopped": ${stoppedShown}
- peak RSS of mom: ${mib(peakRss)}
- spill bytes left on disk: ${spillBytes} (of them in deleted files mom still holds open: ${heldBytes}; all files under mom's TMPDIR: ${tmpBytes} bytes)
- open file descriptors: ${fdsAtStart.length} at start, ${fdsAtEnd.length} at end (tolerance +${FD_TOLERANCE})
- drained ${(drainMs / 1000).toFixed(1)} s after the stream ended; model requests: ${model.requests.length}; mom exited on SIGTERM with ${exit.signal ?? `code ${exit.code}`}
- result: **${ok ? "PASS" : "FAIL"}**

Reproduce (root, images from \`docker/test-images/build.sh\`): \`pnpm turbo build --filter @monoclaw/mom... --filter @monoclaw/testkit && node bench/soak.mjs --duration ${values.duration}\`
`);
  if (!ok || process.env.SOAK_DEBUG) {
    for (const p of lost.slice(0, 5))
      console.error(`lost: ${p.nonce} (${p.kind}) in ${p.channel}: ${JSON.stringify(topLevel(p.channel).map((m) => m.text.slice(0, 120)))}`);
    for (const p of duplicated.slice(0, 5))
      console.error(`duplicated: ${p.nonce} (${p.kind}): ${JSON.stringify(answersOf(p).map((m) => m.text.slice(0, 120)))}`);
    if (process.env.SOAK_DEBUG) {
      for (const p of posted.filter((p) => p.kind === "big")) {
        const main = answersOf(p)[0];
        console.error(
          `big ${p.nonce}: ${main?.text.slice(0, 200)} | ${
            main
              ? fake
                  .threadReplies(p.channel, main.ts)
                  .map((r) => r.text.slice(0, 200))
                  .join(" / ")
              : ""
          }`,
        );
      }
    }
    if (process.env.SOAK_DEBUG) console.error(`sockets at start:\n${socketsAtStart}\nsockets at end:\n${socketsAtEnd}`);
    if (fdGrowth > FD_TOLERANCE) {
      const count = (xs) => xs.reduce((m, t) => m.set(t.replace(/\d+/g, "N"), (m.get(t.replace(/\d+/g, "N")) ?? 0) + 1), new Map());
      console.error(`fds at start: ${JSON.stringify([...count(fdsAtStart)])}\nfds at end: ${JSON.stringify([...count(fdsAtEnd)])}`);
    }
    console.error(
      `mom's stderr (last 3000 characters):\n${stderr
        .split("\n")
        .filter((l) => !l.startsWith("AI SDK Warning"))
        .join("\n")
        .slice(-3000)}`,
    );
  }
  exitCode = ok ? 0 : 1;
} finally {
  if (mom && mom.exitCode === null && mom.signalCode === null) mom.kill("SIGKILL");
  await model?.close();
  await fake?.close();
  await engine.close();
  await rm(work, { recursive: true, force: true }).catch(() => undefined);
}
process.exitCode = exitCode;
