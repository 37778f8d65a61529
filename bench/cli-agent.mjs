#!/usr/bin/env node
// The `monoclaw` front end of the agent: what a one-shot run costs around the agent, and how fast the
// terminal renderer and the session file take live tool output.
// Reproduce: pnpm turbo build --filter monoclaw... && node bench/cli-agent.mjs
// Options (env): BENCH_RUNS (default 20), BENCH_OUTPUT_MB (default 100).
//
// 1. `monoclaw run "hi"` end to end (the built bin as a child process, the real AI SDK client against a
//    scripted model server on 127.0.0.1 answering at once, host backend): wall time per run. Baselines in
//    the same run: `node -e ""` (bare Node start) and `monoclaw --version` (loading the CLI); also
//    `monoclaw exec -- true` on the host backend (config, backend, one command; no AI SDK loaded).
// 2. Live tool output: BENCH_OUTPUT_MB of `tool-output` events (64 KiB chunks of 80-column lines) through
//    the terminal renderer into a discarding sink (ANSI colour on, sanitizer on), and through the session
//    writer (capped per call). Baseline: the same chunks written unchanged to the same sink (/dev/null).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startModelServer, step } from "../packages/testkit/dist/index.js";
import { createTerminalRenderer } from "../apps/cli/dist/agent/terminal-renderer.js";
import { createSession } from "../apps/cli/dist/agent/session-store.js";
import { stats } from "./stats.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const OUTPUT_MB = Number(process.env.BENCH_OUTPUT_MB ?? 100);
const BIN = fileURLToPath(new URL("../apps/cli/dist/bin.js", import.meta.url));

const ms = (value) => `${value.toFixed(1)} ms`;

// --- 1. one-shot runs -------------------------------------------------------------------------
const root = mkdtempSync(join(tmpdir(), "monoclaw-bench-cli-"));
const home = join(root, "home");
const work = join(root, "work");
mkdirSync(home, { recursive: true });
mkdirSync(work, { recursive: true });
const server = await startModelServer();
writeFileSync(
  join(home, "config.yaml"),
  `model: openai-compatible/scripted\nproviders:\n  openai-compatible:\n    base_url: ${server.baseURL}\nterminal:\n  cwd: ${work}\n`,
);
const env = { PATH: process.env.PATH, HOME: root, MONOCLAW_HOME: home };
// Async spawn: the scripted model server answers from this same process.
const time = (args) =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (data) => (stderr += data));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`${args.join(" ")} exited ${code}: ${stderr}`));
      else resolve(performance.now() - started);
    });
  });
const bare = [];
const version = [];
const exec = [];
const run = [];
for (let i = 0; i < RUNS; i += 1) {
  bare.push(await time(["-e", ""]));
  version.push(await time([BIN, "--version"]));
  exec.push(await time([BIN, "exec", "--", "true"]));
  server.enqueue(step.text("hello"));
  run.push(await time([BIN, "run", "hi"]));
}
await server.close();

// --- 2. live tool output ----------------------------------------------------------------------
const line = `${"x".repeat(79)}\n`;
const chunk = line.repeat(Math.floor((64 * 1024) / line.length));
const chunks = Math.ceil((OUTPUT_MB * 1024 * 1024) / chunk.length);
// Every path writes into /dev/null through the same synchronous writes a terminal gets.
const devNull = openSync("/dev/null", "w");
const sink = { isTTY: true, write: (text) => writeSync(devNull, text) };
const throughput = (label, fn) => {
  const started = performance.now();
  fn();
  const seconds = (performance.now() - started) / 1000;
  return { label, mbps: (chunks * chunk.length) / 1024 / 1024 / seconds };
};
const raw = throughput("raw writes to /dev/null (baseline)", () => {
  for (let i = 0; i < chunks; i += 1) sink.write(chunk);
});
const rendered = throughput("terminal renderer", () => {
  const renderer = createTerminalRenderer({ stdout: sink, stderr: sink, env: { TERM: "xterm" }, mode: "stream" });
  renderer.render({ type: "tool-start", toolCallId: "c", toolName: "bash", input: {}, title: "yes" });
  for (let i = 0; i < chunks; i += 1) renderer.render({ type: "tool-output", toolCallId: "c", stream: "stdout", text: chunk });
  renderer.render({ type: "tool-end", toolCallId: "c", toolName: "bash", isError: false, output: "", durationMs: 1, exitCode: 0 });
});
const sessions = join(root, "sessions");
const stored = throughput("session writer (64 KiB kept per call)", () => {
  const writer = createSession({ directory: sessions, cwd: work, model: "m", backend: "host" });
  for (let i = 0; i < chunks; i += 1) writer.recordEvent({ type: "tool-output", toolCallId: "c", stream: "stdout", text: chunk });
  writer.close();
});
rmSync(root, { recursive: true, force: true });

const b = stats(bare);
const v = stats(version);
const e = stats(exec);
const r = stats(run);
console.log(`## monoclaw CLI: one-shot runs and live output

Reproduce: \`pnpm turbo build --filter monoclaw... && node bench/cli-agent.mjs\` (${RUNS} runs, ${OUTPUT_MB} MB of output).

| path | median | p95 |
|---|---|---|
| \`node -e ""\` (baseline) | ${ms(b.median)} | ${ms(b.p95)} |
| \`monoclaw --version\` (loading the CLI) | ${ms(v.median)} | ${ms(v.p95)} |
| \`monoclaw exec -- true\` (config, host backend, one command) | ${ms(e.median)} | ${ms(e.p95)} |
| \`monoclaw run "hi"\` (config, model check, agent turn, session file, answer) | ${ms(r.median)} | ${ms(r.p95)} |

\`run\` costs ${ms(r.median - v.median)} over loading the CLI (median), ${(r.median / b.median).toFixed(1)}x a bare Node start.

| live tool output | MB/s | vs baseline |
|---|---|---|
| ${raw.label} | ${raw.mbps.toFixed(0)} | 1.00 |
| ${rendered.label} | ${rendered.mbps.toFixed(0)} | ${(rendered.mbps / raw.mbps).toFixed(2)} |
| ${stored.label} | ${stored.mbps.toFixed(0)} | ${(stored.mbps / raw.mbps).toFixed(2)} |
`);
