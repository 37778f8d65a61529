#!/usr/bin/env node
// Host backend vs raw child_process.spawn, measured in one run.
// Reproduce: pnpm turbo build --filter @monoclaw/backend-host... && node bench/host-backend.mjs
// Options (env): BENCH_RUNS (default 300), BENCH_SESSION_RUNS (default 1000).
import { spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { performance } from "node:perf_hooks";
import { createHostBackend, findHostShell } from "../packages/backend-host/dist/index.js";
import { stats } from "./stats.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const SESSION_RUNS = Number(process.env.BENCH_SESSION_RUNS ?? 1000);
const MB = 1024 * 1024;

const shell = findHostShell(undefined, process.env.PATH);
const backend = createHostBackend({ cwd: tmpdir(), shell });

function rawSpawn(command, onChunk) {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", onChunk ?? (() => {}));
    child.stderr.on("data", () => {});
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
}

const ms = (value) => `${value.toFixed(3)} ms`;
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;

async function time(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

// 1. Per-command overhead of `true`, one-shot, interleaved so drift hits both alike.
for (let i = 0; i < 20; i++) {
  await rawSpawn("true");
  await backend.exec("true");
}
const raw = [];
const host = [];
for (let i = 0; i < RUNS; i++) {
  raw.push(await time(() => rawSpawn("true")));
  host.push(await time(() => backend.exec("true")));
}
const rawStats = stats(raw);
const hostStats = stats(host);

// 2. Shell session.
const session = await backend.openSession();
for (let i = 0; i < 50; i++) await session.exec("true");
const sessionSamples = [];
for (let i = 0; i < SESSION_RUNS; i++) sessionSamples.push(await time(() => session.exec("true")));
const sessionStats = stats(sessionSamples);
await session.close();

// 3. Throughput of 100 MB of output: median of 7 runs each, interleaved so drift hits all alike.
const THROUGHPUT_RUNS = 7;
const THROUGHPUT_BYTES = 100 * MB;
const produce = (bytes) => `head -c ${bytes} /dev/zero`;
const rawTimes = [];
const rawFileTimes = [];
const hostTimes = [];
const rawFile = `${tmpdir()}/monoclaw-bench-raw-${process.pid}.out`;
// One untimed round first, as for the per-command figures: JIT and page cache warm up.
for (let i = -1; i < THROUGHPUT_RUNS; i++) {
  const record = (samples) => (ms) => void (i >= 0 && samples.push(ms));
  record(rawTimes)(await time(() => rawSpawn(produce(THROUGHPUT_BYTES))));
  record(rawFileTimes)(
    await time(async () => {
      const fd = openSync(rawFile, "w");
      await rawSpawn(produce(THROUGHPUT_BYTES), (chunk) => writeSync(fd, chunk));
      closeSync(fd);
    }),
  );
  record(hostTimes)(
    await time(async () => {
      const result = await backend.exec(produce(THROUGHPUT_BYTES));
      if (result.stdout.totalBytes !== THROUGHPUT_BYTES) throw new Error(`host backend returned ${result.stdout.totalBytes} bytes`);
      if (result.stdout.spillPath) await rm(result.stdout.spillPath, { force: true });
    }),
  );
}
await rm(rawFile, { force: true });
const mbPerSecond = (samples) => THROUGHPUT_BYTES / MB / (stats(samples).median / 1000);
const rawMBps = mbPerSecond(rawTimes);
const rawFileMBps = mbPerSecond(rawFileTimes);
const hostMBps = mbPerSecond(hostTimes);

// 4. Peak RSS growth while streaming 1 GB through the host backend (and raw spawn for reference).
const GB = 1024 * MB;
async function peakGrowth(run) {
  globalThis.gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  await run(() => (peak = Math.max(peak, process.memoryUsage.rss())));
  clearInterval(timer);
  return (peak - before) / MB;
}
const rawGrowth = await peakGrowth((sample) => rawSpawn(produce(GB), sample));
const hostGrowth = await peakGrowth(async (sample) => {
  const result = await backend.exec(produce(GB), { onOutput: sample });
  if (result.stdout.totalBytes !== GB) throw new Error(`host backend returned ${result.stdout.totalBytes} bytes`);
  if (result.stdout.spillPath) await rm(result.stdout.spillPath, { force: true });
});
await backend.dispose();

const pass = (ok) => (ok ? "met" : "NOT met");
const overheadRatio = hostStats.median / rawStats.median;
console.log(`## Host backend (\`bench/host-backend.mjs\`)

Machine: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), Node ${process.version}, shell \`${shell}\`.
Reproduce: \`pnpm turbo build --filter @monoclaw/backend-host... && node bench/host-backend.mjs\`

| measure | raw \`child_process.spawn\` | host backend | ratio | target | |
|---|---|---|---|---|---|
| one-shot \`true\`, median (${RUNS} runs) | ${ms(rawStats.median)} | ${ms(hostStats.median)} | ${ratio(hostStats.median, rawStats.median)} | within 1.2x | ${pass(overheadRatio <= 1.2)} |
| one-shot \`true\`, p95 | ${ms(rawStats.p95)} | ${ms(hostStats.p95)} | ${ratio(hostStats.p95, rawStats.p95)} | | |
| shell-session \`true\`, median (${SESSION_RUNS} runs) | | ${ms(sessionStats.median)} | | under 1 ms | ${pass(sessionStats.median < 1)} |
| shell-session \`true\`, p95 | | ${ms(sessionStats.p95)} | | | |
| 100 MB of output, median of ${THROUGHPUT_RUNS} | ${rawMBps.toFixed(0)} MB/s | ${hostMBps.toFixed(0)} MB/s (spill file written) | ${((hostMBps / rawMBps) * 100).toFixed(0)}% | at least 80% | ${pass(hostMBps >= 0.8 * rawMBps)} |
| 100 MB of output, raw spawn also writing it to a file (the floor for any spill file) | ${rawFileMBps.toFixed(0)} MB/s | ${hostMBps.toFixed(0)} MB/s | ${((hostMBps / rawFileMBps) * 100).toFixed(0)}% | | |
| peak RSS growth streaming 1 GB | ${rawGrowth.toFixed(1)} MB (output discarded) | ${hostGrowth.toFixed(1)} MB | | under 50 MB | ${pass(hostGrowth < 50)} |
`);
