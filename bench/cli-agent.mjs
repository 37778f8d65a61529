#!/usr/bin/env node
// The `monoclaw` command as a whole process: start-up, `exec` on each backend against the tool a user would
// otherwise run, a one-shot `run`, and how fast the terminal renderer and the session file take live output.
// Reproduce: bash scripts/ensure-docker.sh && bash docker/test-images/build.sh \
//   && pnpm turbo build --filter monoclaw... --filter @monoclaw/testkit && node bench/cli-agent.mjs
// Options (env): BENCH_RUNS (default 20), BENCH_OUTPUT_MB (default 100), BENCH_IMAGE (default
// monoclaw-test/busybox:latest), BENCH_NODE (the node that runs monoclaw; default this one), BENCH_BIN (the
// monoclaw bin.js to time; default apps/cli/dist/bin.js, e.g. a copy of an earlier build to compare with).
//
// 1. Whole processes, interleaved (one sample of each per round, so drift on a shared machine hits all alike),
//    each paired with its baseline from the same rounds (issue 15's targets):
//    - `monoclaw --version` and `monoclaw exec --backend host -- true` against `node -e 0`;
//    - `monoclaw exec -- true` on a warm `keep_warm` Docker container against `docker exec <that container> true`;
//    - cold: `monoclaw exec -- true` in a new directory (so a new container) against `docker run --rm IMAGE true`;
//    - the same two on an `ssh://` engine (OpenSSH's sshd on 127.0.0.1 in front of this engine, testkit's
//      startLocalSshd) against `docker -H ssh://... exec` and `docker -H ssh://... run --rm`;
//    - `monoclaw run "hi"` end to end (real AI SDK client against a scripted model server on 127.0.0.1, host
//      backend), against `monoclaw --version`.
// 2. Live tool output: BENCH_OUTPUT_MB of `tool-output` events (64 KiB chunks of 80-column lines) through
//    the terminal renderer into a discarding sink (ANSI colour on, sanitizer on), and through the session
//    writer (capped per call). Baseline: the same chunks written unchanged to the same sink (/dev/null).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startLocalSshd, startModelServer, step } from "../packages/testkit/dist/index.js";
import { createTerminalRenderer } from "../apps/cli/dist/agent/terminal-renderer.js";
import { createSession } from "../apps/cli/dist/agent/session-store.js";
import { stats } from "./stats.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const OUTPUT_MB = Number(process.env.BENCH_OUTPUT_MB ?? 100);
const IMAGE = process.env.BENCH_IMAGE ?? "monoclaw-test/busybox:latest";
const NODE = process.env.BENCH_NODE ?? process.execPath;
const BIN = process.env.BENCH_BIN ?? fileURLToPath(new URL("../apps/cli/dist/bin.js", import.meta.url));
const loadBefore = loadavg()
  .map((value) => value.toFixed(2))
  .join(" ");

const ms = (value) => `${value.toFixed(1)} ms`;

// --- 1. whole processes -------------------------------------------------------------------------
const root = mkdtempSync(join(tmpdir(), "monoclaw-bench-cli-"));
const dir = (...parts) => {
  const path = join(root, ...parts);
  mkdirSync(path, { recursive: true });
  return path;
};
const server = await startModelServer();
const homes = { host: dir("home-host"), warm: dir("home-warm"), cold: dir("home-cold"), sshWarm: dir("home-ssh-warm"), sshCold: dir("home-ssh-cold") };
const work = dir("work");
writeFileSync(
  join(homes.host, "config.yaml"),
  `model: openai-compatible/scripted\nproviders:\n  openai-compatible:\n    base_url: ${server.baseURL}\nterminal:\n  cwd: ${work}\n`,
);

// The ssh:// engine: sshd on 127.0.0.1 with this run's key; monoclaw finds it under $HOME/.ssh, the docker CLI
// through an ssh wrapper (ssh reads ~/.ssh from the passwd entry, not $HOME).
const userHome = dir("user");
dir("user", ".ssh");
const key = join(userHome, ".ssh", "id_ed25519");
execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key], { stdio: "pipe" });
const sshd = await startLocalSshd(readFileSync(`${key}.pub`, "utf8"));
writeFileSync(join(userHome, ".ssh", "known_hosts"), `[127.0.0.1]:${sshd.port} ${sshd.hostKey}\n`);
const sshUrl = `ssh://127.0.0.1:${sshd.port}`;
const binDir = dir("bin");
writeFileSync(
  join(binDir, "ssh"),
  `#!/bin/sh\nexec /usr/bin/ssh -F /dev/null -o IdentitiesOnly=yes -i ${key} -o UserKnownHostsFile=${join(userHome, ".ssh", "known_hosts")} "$@"\n`,
  { mode: 0o755 },
);
const dockerSection = (extra) =>
  `terminal:\n  backend: docker\n  docker:\n    image: ${IMAGE}\n    network: none\n    pull: never\n${extra.map((line) => `    ${line}\n`).join("")}`;
writeFileSync(join(homes.warm, "config.yaml"), dockerSection(["keep_warm: true"]));
writeFileSync(join(homes.cold, "config.yaml"), dockerSection([]));
writeFileSync(join(homes.sshWarm, "config.yaml"), dockerSection(["keep_warm: true", `host: ${sshUrl}`]));
writeFileSync(join(homes.sshCold, "config.yaml"), dockerSection([`host: ${sshUrl}`]));

const env = { PATH: `${binDir}:${process.env.PATH}`, HOME: userHome };
// Other engineers rebuild the packages' dist/ in the same tree while this runs: a process that then fails
// to link its modules (a SyntaxError) is timed again after a pause, and the report says how often.
let retried = 0;
const spawnTimed = async (command, args, options = {}) => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await spawnOnce(command, args, options);
    } catch (error) {
      if (attempt === 3 || !String(error.message).includes("SyntaxError")) throw error;
      retried += 1;
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }
};
// Async spawn: the scripted model server answers from this same process.
const spawnOnce = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"], ...options, env: { ...env, ...options.env } });
    let stderr = "";
    child.stderr.on("data", (data) => (stderr += data));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr}`));
      else resolve(performance.now() - started);
    });
  });
const monoclaw = (home, args, cwd = root) => spawnTimed(NODE, [BIN, ...args], { cwd, env: { MONOCLAW_HOME: home } });
const dockerCli = (args) => spawnTimed("docker", args);
const containersIn = (scope) =>
  execFileSync("docker", ["ps", "-aq", "--filter", `label=dev.monoclaw.scope=${scope}`], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean);
const removeContainersIn = (scope) => {
  const ids = containersIn(scope);
  if (ids.length > 0) execFileSync("docker", ["rm", "-f", "-v", ...ids], { stdio: "ignore" });
};

// Warm containers, one per engine address (the address is part of the container's settings).
const warmDir = dir("warm-local");
const sshWarmDir = dir("warm-ssh");
await monoclaw(homes.warm, ["exec", "--", "true"], warmDir);
await monoclaw(homes.sshWarm, ["exec", "--", "true"], sshWarmDir);
const [warmContainer] = containersIn(warmDir);
const [sshWarmContainer] = containersIn(sshWarmDir);
if (!warmContainer || !sshWarmContainer) throw new Error("the warm containers were not created");

const measures = {
  bare: { label: "`node -e 0` (baseline)", run: () => spawnTimed(NODE, ["-e", "0"]) },
  version: { label: "`monoclaw --version`", run: () => monoclaw(homes.host, ["--version"]) },
  hostExec: { label: "`monoclaw exec --backend host -- true`", run: () => monoclaw(homes.host, ["exec", "--backend", "host", "--", "true"]) },
  dockerExec: { label: "`docker exec <container> true` (baseline)", run: () => dockerCli(["exec", warmContainer, "true"]) },
  warmExec: { label: "`monoclaw exec -- true`, warm container", run: () => monoclaw(homes.warm, ["exec", "--", "true"], warmDir) },
  dockerRun: { label: "`docker run --rm --network none IMAGE true` (baseline)", run: () => dockerCli(["run", "--rm", "--network", "none", IMAGE, "true"]) },
  coldExec: { label: "`monoclaw exec -- true`, cold (new directory, new container)", cold: homes.cold },
  sshDockerExec: { label: "`docker -H ssh://... exec <container> true` (baseline)", run: () => dockerCli(["-H", sshUrl, "exec", sshWarmContainer, "true"]) },
  sshWarmExec: { label: "`monoclaw exec -- true` on ssh://, warm container", run: () => monoclaw(homes.sshWarm, ["exec", "--", "true"], sshWarmDir) },
  sshDockerRun: {
    label: "`docker -H ssh://... run --rm --network none IMAGE true` (baseline)",
    run: () => dockerCli(["-H", sshUrl, "run", "--rm", "--network", "none", IMAGE, "true"]),
  },
  sshColdExec: { label: "`monoclaw exec -- true` on ssh://, cold", cold: homes.sshCold },
  run: { label: '`monoclaw run "hi"` (config, model check, agent turn, session file, answer)' },
};
measures.run.run = () => {
  server.enqueue(step.text("hello"));
  return monoclaw(homes.host, ["run", "hi"]);
};
for (const measure of Object.values(measures)) {
  measure.samples = [];
  if (measure.cold === undefined) continue;
  let round = 0;
  // Each cold sample starts in a directory no container serves yet; the container is removed afterwards, untimed.
  measure.run = async () => {
    const fresh = dir(`cold-${measure.cold === homes.cold ? "local" : "ssh"}-${round++}`);
    try {
      return await monoclaw(measure.cold, ["exec", "--", "true"], fresh);
    } finally {
      removeContainersIn(fresh);
    }
  };
}
try {
  for (let i = 0; i < RUNS; i += 1) for (const measure of Object.values(measures)) measure.samples.push(await measure.run());
} finally {
  removeContainersIn(warmDir);
  removeContainersIn(sshWarmDir);
  await server.close();
  await sshd.stop();
}

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

const s = Object.fromEntries(Object.entries(measures).map(([name, measure]) => [name, stats(measure.samples)]));
const row = (name) => `| ${measures[name].label} | ${ms(s[name].median)} | ${ms(s[name].p95)} |`;
const target = (name, baseline, limit) => {
  const ratio = s[name].median / s[baseline].median;
  return `| ${measures[name].label} | ${measures[baseline].label.replace(" (baseline)", "")} | ${ratio.toFixed(2)}x | at most ${limit.toFixed(1)}x | ${ratio <= limit ? "met" : "**NOT met**"} |`;
};
const nodeVersion = execFileSync(NODE, ["--version"], { encoding: "utf8" }).trim();
console.log(`## monoclaw CLI: start-up, exec, one-shot runs and live output (\`bench/cli-agent.mjs\`)

Node ${nodeVersion}; image \`${IMAGE}\`, network none; load average before the run: ${loadBefore}.
${RUNS} rounds, each taking one sample of every row in turn (medians and p95 of whole processes).${retried === 0 ? "" : ` ${retried} samples were timed again after a build in the same tree broke their modules.`}
Reproduce: \`pnpm turbo build --filter monoclaw... --filter @monoclaw/testkit && node bench/cli-agent.mjs\`${NODE === process.execPath ? "" : ` (monoclaw run by \`BENCH_NODE=${NODE}\`)`}${process.env.BENCH_BIN === undefined ? "" : ` (timing \`${BIN}\`)`}

| process | median | p95 |
|---|---|---|
${Object.keys(measures).map(row).join("\n")}

| issue 15 target | baseline (same rounds) | ratio of medians | target | |
|---|---|---|---|---|
${target("version", "bare", 1.5)}
${target("hostExec", "bare", 1.5)}
${target("warmExec", "dockerExec", 1.0)}
${target("coldExec", "dockerRun", 1.1)}
${target("sshWarmExec", "sshDockerExec", 1.0)}
${target("sshColdExec", "sshDockerRun", 1.1)}

\`run\` costs ${ms(s.run.median - s.bare.median)} over a bare Node start (median), ${(s.run.median / s.bare.median).toFixed(1)}x.

| live tool output | MB/s | vs baseline |
|---|---|---|
| ${raw.label} | ${raw.mbps.toFixed(0)} | 1.00 |
| ${rendered.label} | ${rendered.mbps.toFixed(0)} | ${(rendered.mbps / raw.mbps).toFixed(2)} |
| ${stored.label} | ${stored.mbps.toFixed(0)} | ${(stored.mbps / raw.mbps).toFixed(2)} |
`);
