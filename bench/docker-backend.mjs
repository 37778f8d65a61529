#!/usr/bin/env node
// Docker backend against the baselines every peer uses, measured in the same run.
// Reproduce: bash scripts/ensure-docker.sh && bash docker/test-images/build.sh \
//   && pnpm turbo build --filter @monoclaw/backend-docker... && node bench/docker-backend.mjs
// Options (env): BENCH_IMAGE (default monoclaw-test/busybox:latest), BENCH_RUNS (per-command runs, default 300),
// BENCH_COLD_RUNS (default 10), BENCH_POOL_ONLY=1 (only the interleaved cold / pool / idle loop and its floors).
//
// Method (network none everywhere):
// - per command: `true` through the backend (exec, which sends `sh -c` to a pooled shell in the container,
//   and a ShellSession), vs `docker exec CONTAINER sh -c true` spawned from Node (what Hermes, OpenClaw
//   and mom do), vs a host `spawn('sh', ['-c', 'true'])`; warm-up runs are not counted;
// - cold start: a new backend on a new container name, first `exec("true")` (create + start + shell),
//   vs `docker run --rm --network none IMAGE true` spawned from Node;
// - output: 100 MiB from `dd` (busybox `head -c` is itself slower than the pipe) through exec (demuxed, captured with head/tail + spill file); MB/s and
//   peak RSS growth of this process sampled every 5 ms;
// - files: writeFile/readFile of 1 MB (median of 30) and 100 MB (median of 3);
// - after idle: a ShellSession's next command once `idle_timeout` (1 s) froze the container
//   (`idle_action: pause`) or stopped it (`stop`), interleaved with the cold start and `docker run` samples;
// - from the warm pool: a new session backend (`scope: session`, `warm_pool: 1`) to its first `exec("true")`,
//   claiming the member the previous session's dispose left (the refill is not timed), same loop: what a new
//   process claims (a paused member);
// - from the warm pool this process holds (`warmPoolKeeper`, `createWarmPoolKeeper`): the same, claiming a member
//   that runs with its shell open (a rename, then `true` in that shell), as in mom or any process serving many
//   sessions; the refill is awaited untimed before the next sample, same loop;
// - floors of any claim that crosses processes, same loop: one new process in a running container through
//   the Engine API (exec create + start + `true` + exit code, what opening a shell costs at least), and the
//   unpause of a paused container (the claim's one call).
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import Docker from "../packages/backend-docker/node_modules/dockerode/lib/docker.js";
import { createDockerBackend, createWarmPoolKeeper } from "../packages/backend-docker/dist/index.js";
import { runContainerExec } from "../packages/backend-docker/dist/exec/container-exec.js";
import { megabytesPerSecond, OUTPUT_BYTES, PRODUCE_OUTPUT, readSpawnedOutput } from "./output-stream.mjs";
import { stats } from "./stats.mjs";
import { ms, spawnToExit as run, time } from "./timing.mjs";

const IMAGE = process.env.BENCH_IMAGE ?? "monoclaw-test/busybox:latest";
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 20);
const OUTPUT_RUNS = Number(process.env.BENCH_OUTPUT_RUNS ?? 5);
const POOL_ONLY = process.env.BENCH_POOL_ONLY === "1";
const PREFIX = `mc-bench-${process.pid}`;
const docker = new Docker({ socketPath: "/var/run/docker.sock" });

const backendOptions = (name) => ({ image: IMAGE, network: "none", pull: "never", name, keep_warm: false, idle_timeout: 0 });

// Session and pool containers get derived names: they are found by the directory label of this run.
const POOL_CWD = `/nonexistent/${PREFIX}-pool`;
const HELD_SCOPE = `${POOL_CWD}-held`;
async function cleanup() {
  for (const c of await docker.listContainers({ all: true })) {
    const ours = c.Names.some((n) => n.startsWith(`/${PREFIX}`)) || [POOL_CWD, HELD_SCOPE].includes(c.Labels?.["dev.monoclaw.scope"]);
    if (ours)
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
  }
}

const results = {};
try {
  if (!POOL_ONLY) await perCommandOutputAndFiles();
  await coldPoolAndIdle();
} finally {
  await cleanup();
}

async function perCommandOutputAndFiles() {
  // Per-command round trip.
  const name = `${PREFIX}-warm`;
  const backend = createDockerBackend(backendOptions(name));
  await backend.exec("true");
  results.exec = await time(RUNS, 20, () => backend.exec("true"));
  const session = await backend.openSession();
  results.session = await time(RUNS, 20, () => session.exec("true"));
  await session.close();
  results.dockerExec = await time(Math.min(RUNS, 200), 5, () => run("docker", ["exec", name, "sh", "-c", "true"]));
  results.hostSpawn = await time(RUNS, 20, () => run("sh", ["-c", "true"]));

  // 100 MB of output: median of OUTPUT_RUNS runs per path, interleaved so drift hits all alike.
  const size = OUTPUT_BYTES;
  const produce = PRODUCE_OUTPUT;
  const target = await backend.ensureContainer();
  const backendMs = [];
  const rawMs = [];
  const cliMs = [];
  let peak = 0;
  let cpuMs = 0;
  for (let i = 0; i < OUTPUT_RUNS; i++) {
    // Through the backend: capture, spill file and live onOutput, as the agent uses it.
    const base = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - base)), 5);
    let seen = 0;
    const cpuBefore = process.cpuUsage();
    let started = performance.now();
    const big = await backend.exec(`${produce.join(" ")} 2>/dev/null`, { onOutput: (_, chunk) => (seen += chunk.length) });
    backendMs.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    cpuMs += (cpu.user + cpu.system) / 1000 / OUTPUT_RUNS;
    clearInterval(sampler);
    if (big.stdout.totalBytes !== size || seen !== size) throw new Error(`output: got ${big.stdout.totalBytes} bytes`);
    if (big.stdout.spillPath) await rm(big.stdout.spillPath, { force: true });
    // Ceiling of the engine path: one API exec through the same demuxer, output counted and dropped.
    let rawBytes = 0;
    started = performance.now();
    await runContainerExec(docker, target, { cmd: produce, onOutput: (stream, chunk) => void (stream === "stdout" && (rawBytes += chunk.length)) });
    rawMs.push(performance.now() - started);
    if (rawBytes !== size) throw new Error(`raw exec output: ${rawBytes} bytes`);
    // Baseline: the same bytes through \`docker exec\` spawned from Node, read from its stdout pipe.
    started = performance.now();
    await readSpawnedOutput("docker", ["exec", name, ...produce]);
    cliMs.push(performance.now() - started);
  }
  const mbPerS = (samples) => megabytesPerSecond(stats(samples).median);
  results.output = { mbPerS: mbPerS(backendMs), ms: stats(backendMs).median, rssGrowthMb: peak / 1024 / 1024, cpuMs };
  results.outputRaw = { mbPerS: mbPerS(rawMs) };
  results.outputCli = { mbPerS: mbPerS(cliMs) };

  // Files.
  const oneMb = randomBytes(1024 * 1024);
  results.write1 = await time(30, 3, (i) => backend.writeFile(`bench/one-${i % 3}.bin`, oneMb));
  results.read1 = await time(30, 3, (i) => backend.readFile(`bench/one-${i % 3}.bin`));
  const hundredMb = randomBytes(size);
  results.write100 = await time(3, 0, () => backend.writeFile("bench/hundred.bin", hundredMb));
  results.read100 = await time(3, 0, () => backend.readFile("bench/hundred.bin"));
  await backend.dispose();
}

async function coldPoolAndIdle() {
  // After idle: one backend per idle_action, each with a session open; the idle timer pauses or stops the container.
  const idleBackend = (idleAction) => {
    const idleName = `${PREFIX}-idle-${idleAction}`;
    const b = createDockerBackend({ ...backendOptions(idleName), idle_timeout: 1, idle_action: idleAction });
    return { name: idleName, backend: b, session: b.openSession() };
  };
  const pausing = idleBackend("pause");
  const stopping = idleBackend("stop");
  const afterIdle = async ({ name: idleName, session: opening }, idleState) => {
    const s = await opening;
    await s.exec("true");
    for (;;) {
      const state = (await docker.getContainer(idleName).inspect()).State;
      if (idleState(state)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const started = performance.now();
    await s.exec("true");
    return performance.now() - started;
  };
  const resumedPaused = [];
  const resumedStopped = [];
  let poolSession = 0;
  const pooledSession = () =>
    createDockerBackend({
      ...backendOptions(undefined),
      name: undefined,
      cwd: POOL_CWD,
      scope: "session",
      warm_pool: 1,
      session: { id: `${PREFIX}-s${++poolSession}`, resumed: false },
    });
  const primer = pooledSession();
  await primer.exec("true");
  await primer.dispose(); // leaves the first member
  const fromPool = [];
  // The pool this process holds (createWarmPoolKeeper): members running with their shells open, claimed in-process.
  const keeper = createWarmPoolKeeper();
  const heldSession = () =>
    createDockerBackend({
      ...backendOptions(undefined),
      name: undefined,
      cwd: HELD_SCOPE,
      scope: "session",
      warm_pool: 1,
      warmPoolKeeper: keeper,
      session: { id: `${PREFIX}-h${++poolSession}`, resumed: false },
    });
  const heldPrimer = heldSession();
  await heldPrimer.exec("true");
  await keeper.settled();
  await heldPrimer.dispose();
  const fromHeld = [];
  // The floors: a container of its own, running, for the raw exec; paused (untimed) before each timed unpause.
  const floorName = `${PREFIX}-floor`;
  const floor = createDockerBackend(backendOptions(floorName));
  const floorId = await floor.ensureContainer();
  const execFloor = [];
  const unpauseFloor = [];

  // Cold start: backend and `docker run` alternate, so drift hits both alike.
  const cold = [];
  const dockerRun = [];
  await run("docker", ["run", "--rm", "--network", "none", IMAGE, "true"]); // warm-up
  for (let i = 0; i < COLD_RUNS + 1; i++) {
    const coldName = `${PREFIX}-cold-${i}`;
    const started = performance.now();
    const fresh = createDockerBackend(backendOptions(coldName));
    await fresh.exec("true");
    const elapsed = performance.now() - started;
    if (i > 0) cold.push(elapsed); // the first also pays for loading dockerode
    await fresh.dispose();
    await docker.getContainer(coldName).remove({ force: true, v: true });
    const runStarted = performance.now();
    await run("docker", ["run", "--rm", "--network", "none", IMAGE, "true"]);
    if (i > 0) dockerRun.push(performance.now() - runStarted);
    const poolStarted = performance.now();
    const claimed = pooledSession();
    await claimed.exec("true");
    const poolElapsed = performance.now() - poolStarted;
    await claimed.dispose(); // removes it and refills the pool for the next round
    if (i > 0) fromPool.push(poolElapsed);
    const heldStarted = performance.now();
    const heldClaim = heldSession();
    await heldClaim.exec("true");
    const heldElapsed = performance.now() - heldStarted;
    await keeper.settled(); // the refill (not timed) is done before anything else is measured
    await heldClaim.dispose();
    if (i > 0) fromHeld.push(heldElapsed);
    const execStarted = performance.now();
    await runContainerExec(docker, floorId, { cmd: ["true"] });
    if (i > 0) execFloor.push(performance.now() - execStarted);
    await docker.getContainer(floorId).pause();
    const unpauseStarted = performance.now();
    await docker.getContainer(floorId).unpause();
    if (i > 0) unpauseFloor.push(performance.now() - unpauseStarted);
    const paused = await afterIdle(pausing, (state) => state.Paused);
    const stopped = await afterIdle(stopping, (state) => !state.Running);
    if (i > 0) {
      resumedPaused.push(paused);
      resumedStopped.push(stopped);
    }
  }
  await pausing.backend.dispose();
  await stopping.backend.dispose();
  await floor.dispose();
  await keeper.close();
  results.fromHeld = stats(fromHeld);
  results.cold = stats(cold);
  results.dockerRun = stats(dockerRun);
  results.resumedPaused = stats(resumedPaused);
  results.resumedStopped = stats(resumedStopped);
  results.fromPool = stats(fromPool);
  results.execFloor = stats(execFloor);
  results.unpauseFloor = stats(unpauseFloor);
}

const r = results;
const pass = (ok) => (ok ? "met" : "NOT met");
const header = [
  "## Docker backend (`bench/docker-backend.mjs`)",
  "",
  `Machine: ${cpus().length} cores, Node ${process.version}, engine ${(await docker.version()).Version}; image \`${IMAGE}\`, network none; load average at the end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}.`,
  "Reproduce: `pnpm turbo build --filter @monoclaw/backend-docker... && node bench/docker-backend.mjs`",
  "",
];
const perCommandLines = () => [
  "| per command (`true`) | median | p95 | runs |",
  "|---|---|---|---|",
  `| backend \`exec\` (pooled shell in the container) | ${ms(r.exec.median)} | ${ms(r.exec.p95)} | ${r.exec.n} |`,
  `| backend ShellSession \`exec\` | ${ms(r.session.median)} | ${ms(r.session.p95)} | ${r.session.n} |`,
  `| \`docker exec\` spawned from Node (baseline) | ${ms(r.dockerExec.median)} | ${ms(r.dockerExec.p95)} | ${r.dockerExec.n} |`,
  `| host \`spawn('sh', ['-c', 'true'])\` (baseline) | ${ms(r.hostSpawn.median)} | ${ms(r.hostSpawn.p95)} | ${r.hostSpawn.n} |`,
  "",
  `Speed-up vs \`docker exec\`: exec ${(r.dockerExec.median / r.exec.median).toFixed(1)}x, session ${(r.dockerExec.median / r.session.median).toFixed(1)}x (target at least 40x: ${pass(r.dockerExec.median / r.session.median >= 40)}).`,
  "",
];
const poolLines = () => [
  "| cold start (new container to first command) | median | p95 | runs |",
  "|---|---|---|---|",
  `| backend: create + start + shell + \`true\` | ${ms(r.cold.median)} | ${ms(r.cold.p95)} | ${r.cold.n} |`,
  `| \`docker run --rm IMAGE true\` (baseline) | ${ms(r.dockerRun.median)} | ${ms(r.dockerRun.p95)} | ${r.dockerRun.n} |`,
  "",
  `Ratio ${(r.cold.median / r.dockerRun.median).toFixed(2)}x (target within 1.1x: ${pass(r.cold.median / r.dockerRun.median <= 1.1)}).`,
  "",
  "| new session, and after idle (a session's next command once idle_timeout acted), interleaved with the cold rows above | median | p95 | runs |",
  "|---|---|---|---|",
  `| new session from the warm pool this process holds (member running, shell open): claim + \`true\` | ${ms(r.fromHeld.median)} | ${ms(r.fromHeld.p95)} | ${r.fromHeld.n} |`,
  `| new session in a new process from the warm pool (a paused member): claim + shell + \`true\` | ${ms(r.fromPool.median)} | ${ms(r.fromPool.p95)} | ${r.fromPool.n} |`,
  `| \`idle_action: pause\`: thaw + \`true\` in the same shell | ${ms(r.resumedPaused.median)} | ${ms(r.resumedPaused.p95)} | ${r.resumedPaused.n} |`,
  `| \`idle_action: stop\`: start + new shell + \`true\` | ${ms(r.resumedStopped.median)} | ${ms(r.resumedStopped.p95)} | ${r.resumedStopped.n} |`,
  `| floor: one new process in a running container through the API (exec create + start + \`true\` + exit code) | ${ms(r.execFloor.median)} | ${ms(r.execFloor.p95)} | ${r.execFloor.n} |`,
  `| floor: unpause of a paused container (the claim's one call) | ${ms(r.unpauseFloor.median)} | ${ms(r.unpauseFloor.p95)} | ${r.unpauseFloor.n} |`,
  "",
  `From the pool this process holds vs \`docker run\`: ${(r.dockerRun.median / r.fromHeld.median).toFixed(1)}x faster (target at most 30 ms and at least 7x: ${pass(r.fromHeld.median <= 30 && r.dockerRun.median / r.fromHeld.median >= 7)}).`,
  `From the pool in a new process vs \`docker run\`: ${(r.dockerRun.median / r.fromPool.median).toFixed(1)}x faster (same target: ${pass(r.fromPool.median <= 30 && r.dockerRun.median / r.fromPool.median >= 7)}).`,
  `Paused vs stopped: ${(r.resumedStopped.median / r.resumedPaused.median).toFixed(1)}x faster; vs \`docker run\`: ${(r.dockerRun.median / r.resumedPaused.median).toFixed(1)}x faster.`,
  `Floors in this run: unpause + one exec = ${ms(r.unpauseFloor.median + r.execFloor.median)} (\`docker run\` / 7 = ${ms(r.dockerRun.median / 7)}); from the pool is ${(r.fromPool.median / (r.unpauseFloor.median + r.execFloor.median)).toFixed(2)}x that floor.`,
  "",
];
const throughputLines = () => [
  "| throughput | result | target |",
  "|---|---|---|",
  `| 100 MB of output through \`exec\` (captured, spilled to a file), median of ${OUTPUT_RUNS} | ${r.output.mbPerS.toFixed(0)} MB/s, peak RSS growth ${r.output.rssGrowthMb.toFixed(1)} MB, Node CPU ${r.output.cpuMs.toFixed(0)} ms | >= 200 MB/s, < 50 MB (${pass(r.output.mbPerS >= 200 && r.output.rssGrowthMb < 50)}) |`,
  `| the same through one raw API exec + demuxer, output dropped (engine ceiling) | ${r.outputRaw.mbPerS.toFixed(0)} MB/s | |`,
  `| the same through \`docker exec\` spawned from Node (baseline) | ${r.outputCli.mbPerS.toFixed(0)} MB/s | |`,
  `| writeFile 1 MB | median ${ms(r.write1.median)}, p95 ${ms(r.write1.p95)} | < 15 ms (${pass(r.write1.median < 15)}) |`,
  `| readFile 1 MB | median ${ms(r.read1.median)}, p95 ${ms(r.read1.p95)} | |`,
  `| writeFile 100 MB | median ${ms(r.write100.median)} (${(100 / (r.write100.median / 1000)).toFixed(0)} MB/s) | |`,
  `| readFile 100 MB | median ${ms(r.read100.median)} (${(100 / (r.read100.median / 1000)).toFixed(0)} MB/s) | |`,
  "",
];
const lines = [...header, ...(POOL_ONLY ? [] : perCommandLines()), ...poolLines(), ...(POOL_ONLY ? [] : throughputLines())];
console.log(lines.join("\n"));
