#!/usr/bin/env node
// Every engine and runtime side by side, in one run: the Docker backend on Docker with runc, Docker with
// runsc (gVisor), rootful Podman and rootless Podman, each against its own CLI spawned from Node the same way.
// Reproduce (as root): bash scripts/ensure-docker.sh && bash docker/test-images/build.sh \
//   && bash scripts/ensure-podman.sh && pnpm turbo build --filter @monoclaw/backend-docker... && node bench/engines.mjs
// Options (env): BENCH_IMAGE (default monoclaw-test/busybox:latest), BENCH_ROUNDS (per-command rounds, default 30),
// BENCH_BATCH (backend samples per engine per round, default 5; the CLI takes one), BENCH_COLD_RUNS (default 6),
// BENCH_OUTPUT_RUNS (default 3), BENCH_ENGINES (comma-separated ids, default all: docker-runc,docker-runsc,
// podman-rootful,podman-rootless), BENCH_ROOTLESS_USER (default monoclaw-podman).
//
// Method (network none everywhere; every round visits the engines in a rotated order, so drift hits all alike):
// - per command: `true` through the backend (exec: `sh -c` sent to a pooled shell in the container; and a
//   ShellSession), vs `<cli> exec CONTAINER sh -c true` on the same container, spawned from Node;
// - cold start: a new backend on a new container name to its first `exec("true")` (create + start + shell),
//   vs `<cli> run --rm --network none [--runtime runsc] IMAGE true` spawned from Node; one warm-up round;
// - output: 100 MiB from `dd` through exec (captured, spilled to a file), through one raw Engine API exec
//   (the backend's demuxer, output dropped: what the engine's API delivers at most) and through
//   `<cli> exec CONTAINER dd ...` read from its stdout pipe, in MB/s.
// Rootless Podman's CLI is spawned with that user's uid and gid (no wrapper process); its API socket is
// reached from this process, so the script runs as root. Every container it made (name prefix
// mc-bench-engines-<pid>) is removed from every engine at the end, on failure and on SIGINT/SIGTERM.
import { execFileSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import Docker from "../packages/backend-docker/node_modules/dockerode/lib/docker.js";
import { createDockerBackend } from "../packages/backend-docker/dist/index.js";
import { runContainerExec } from "../packages/backend-docker/dist/exec/container-exec.js";
import { megabytesPerSecond, OUTPUT_BYTES, PRODUCE_OUTPUT, readSpawnedOutput } from "./output-stream.mjs";
import { stats } from "./stats.mjs";
import { ms, spawnToExit, time, timeOnce } from "./timing.mjs";

const IMAGE = process.env.BENCH_IMAGE ?? "monoclaw-test/busybox:latest";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const BATCH = Number(process.env.BENCH_BATCH ?? 5);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 6);
const OUTPUT_RUNS = Number(process.env.BENCH_OUTPUT_RUNS ?? 3);
const ROOTLESS_USER = process.env.BENCH_ROOTLESS_USER ?? "monoclaw-podman";
const PREFIX = `mc-bench-engines-${process.pid}`;
const log = (message) => console.error(`[engines] ${message}`);
const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

/** How the rootless user's CLI is spawned: its uid and gid set by the kernel at exec, its own runtime dir. */
function rootlessSpawnOptions(user) {
  const passwd = (() => {
    try {
      return execFileSync("getent", ["passwd", user], { encoding: "utf8" }).trim().split(":");
    } catch {
      throw new Error(`no user ${user} for rootless Podman: run \`bash scripts/ensure-podman.sh\` as root, or set BENCH_ROOTLESS_USER`);
    }
  })();
  const [uid, gid, home] = [Number(passwd[2]), Number(passwd[3]), passwd[5]];
  const runtimeDir = `/run/user/${uid}`;
  return {
    socketPath: `${runtimeDir}/podman/podman.sock`,
    spawn: { uid, gid, cwd: home, env: { PATH: process.env.PATH, HOME: home, USER: user, LOGNAME: user, XDG_RUNTIME_DIR: runtimeDir } },
  };
}

function engineDefinitions() {
  const dockerSocket = "/var/run/docker.sock";
  const rootfulPodman = "/run/podman/podman.sock";
  const all = [
    { id: "docker-runc", label: "docker + runc", socketPath: dockerSocket, runtime: "runc", cli: "docker", runArgs: [], spawn: {} },
    { id: "docker-runsc", label: "docker + runsc", socketPath: dockerSocket, runtime: "runsc", cli: "docker", runArgs: ["--runtime", "runsc"], spawn: {} },
    { id: "podman-rootful", label: "podman rootful", socketPath: rootfulPodman, cli: "podman", runArgs: [], spawn: {} },
    { id: "podman-rootless", label: "podman rootless", cli: "podman", runArgs: [], lazy: () => rootlessSpawnOptions(ROOTLESS_USER) },
  ];
  const wanted = (process.env.BENCH_ENGINES ?? all.map((e) => e.id).join(",")).split(",").map((id) => id.trim());
  const unknown = wanted.filter((id) => !all.some((e) => e.id === id));
  if (unknown.length > 0) throw new Error(`BENCH_ENGINES names ${unknown.join(", ")}: use a comma-separated list of ${all.map((e) => e.id).join(", ")}`);
  return all
    .filter((e) => wanted.includes(e.id))
    .map(({ lazy, ...e }) => {
      const engine = { ...e, ...(lazy ? lazy() : {}) };
      return { ...engine, docker: new Docker({ socketPath: engine.socketPath }), cliRun: (args) => spawnToExit(engine.cli, args, engine.spawn) };
    });
}

/** Fails before measuring anything when an engine or runtime is missing, naming it and the set-up script. */
async function checkEngines(engines) {
  for (const engine of engines) {
    const info = await engine.docker.info().catch((error) => {
      throw new Error(
        `${engine.label}: no engine answers on unix://${engine.socketPath} (${error.code ?? error.message}): run \`bash scripts/ensure-podman.sh\` (Podman) or \`bash scripts/ensure-docker.sh\` (Docker) as root`,
      );
    });
    if (engine.runtime && !Object.keys(info.Runtimes ?? {}).includes(engine.runtime))
      throw new Error(
        `${engine.label}: the engine on unix://${engine.socketPath} lists no runtime ${engine.runtime} (it has ${Object.keys(info.Runtimes ?? {}).join(", ")}): register it as scripts/ensure-docker.sh does`,
      );
    engine.version = `${info.ServerVersion}, runtime ${engine.runtime ?? info.DefaultRuntime ?? "the engine's default"}`;
  }
}

const engines = (() => {
  try {
    return engineDefinitions();
  } catch (error) {
    fail(error);
  }
})();
const sockets = [...new Map(engines.map((e) => [e.socketPath, e.docker])).values()];
async function cleanup() {
  for (const docker of sockets) {
    const listed = await docker.listContainers({ all: true }).catch(() => []);
    for (const c of listed)
      if (c.Names.some((n) => n.startsWith(`/${PREFIX}`)))
        await docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined);
  }
}
for (const signal of ["SIGINT", "SIGTERM"])
  process.once(signal, () => {
    log(`${signal}: removing this run's containers`);
    cleanup().finally(() => process.exit(130));
  });

const backendOptions = (engine, name) => ({
  image: IMAGE,
  network: "none",
  pull: "never",
  name,
  keep_warm: false,
  idle_timeout: 0,
  host: `unix://${engine.socketPath}`,
  ...(engine.runtime ? { runtime: engine.runtime } : {}),
});
/** The engines in a different order each round, so no engine always comes first (or last). */
const rotated = (round) => engines.map((_, i) => engines[(i + round) % engines.length]);
const samples = () => Object.fromEntries(engines.map((e) => [e.id, []]));
const loadAtStart = loadAverage();
const results = Object.fromEntries(engines.map((e) => [e.id, {}]));

try {
  await checkEngines(engines);
  const warm = await openWarmBackends();
  await perCommand(warm);
  await output(warm);
  for (const { backend, session } of Object.values(warm)) {
    await session.close();
    await backend.dispose();
  }
  await coldStart();
} catch (error) {
  await cleanup();
  fail(error);
}
await cleanup();

/** One line on stderr (what failed, where, the fix when known), exit 1. */
function fail(error) {
  console.error(`bench/engines.mjs: ${error.message}`);
  process.exit(1);
}

async function openWarmBackends() {
  const warm = {};
  for (const engine of engines) {
    const name = `${PREFIX}-${engine.id}-warm`;
    const backend = createDockerBackend(backendOptions(engine, name));
    await backend.exec("true");
    warm[engine.id] = { name, backend, session: await backend.openSession() };
  }
  return warm;
}

async function perCommand(warm) {
  const cliExec = (engine) => engine.cliRun(["exec", warm[engine.id].name, "sh", "-c", "true"]);
  for (const engine of engines) {
    const { backend, session } = warm[engine.id];
    await time(0, 20, () => backend.exec("true"));
    await time(0, 20, () => session.exec("true"));
    await time(0, 3, () => cliExec(engine));
  }
  const exec = samples();
  const inSession = samples();
  const cli = samples();
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 10 === 0) log(`per command: round ${round + 1} of ${ROUNDS}`);
    for (const engine of rotated(round)) {
      const { backend, session } = warm[engine.id];
      for (let i = 0; i < BATCH; i++) exec[engine.id].push(await timeOnce(() => backend.exec("true")));
      for (let i = 0; i < BATCH; i++) inSession[engine.id].push(await timeOnce(() => session.exec("true")));
      cli[engine.id].push(await timeOnce(() => cliExec(engine)));
    }
  }
  for (const engine of engines)
    Object.assign(results[engine.id], { exec: stats(exec[engine.id]), session: stats(inSession[engine.id]), cliExec: stats(cli[engine.id]) });
}

async function output(warm) {
  const throughBackend = samples();
  const throughApi = samples();
  const throughCli = samples();
  for (let round = 0; round < OUTPUT_RUNS; round++) {
    log(`100 MiB output: round ${round + 1} of ${OUTPUT_RUNS}`);
    for (const engine of rotated(round)) {
      const { name, backend } = warm[engine.id];
      let result;
      throughBackend[engine.id].push(await timeOnce(async () => (result = await backend.exec(`${PRODUCE_OUTPUT.join(" ")} 2>/dev/null`))));
      if (result.stdout.totalBytes !== OUTPUT_BYTES)
        throw new Error(`${engine.label}: exec of ${PRODUCE_OUTPUT.join(" ")} gave ${result.stdout.totalBytes} bytes of output, expected ${OUTPUT_BYTES}`);
      if (result.stdout.spillPath) await rm(result.stdout.spillPath, { force: true });
      // The engine's own ceiling: one raw API exec through the backend's demuxer, output counted and dropped.
      const containerId = await backend.ensureContainer();
      let apiBytes = 0;
      throughApi[engine.id].push(
        await timeOnce(() =>
          runContainerExec(engine.docker, containerId, {
            cmd: PRODUCE_OUTPUT,
            onOutput: (stream, chunk) => void (stream === "stdout" && (apiBytes += chunk.length)),
          }),
        ),
      );
      if (apiBytes !== OUTPUT_BYTES)
        throw new Error(`${engine.label}: a raw API exec of ${PRODUCE_OUTPUT.join(" ")} gave ${apiBytes} bytes, expected ${OUTPUT_BYTES}`);
      throughCli[engine.id].push(await timeOnce(() => readSpawnedOutput(engine.cli, ["exec", name, ...PRODUCE_OUTPUT], engine.spawn)));
    }
  }
  for (const engine of engines)
    Object.assign(results[engine.id], {
      outputMbPerS: megabytesPerSecond(stats(throughBackend[engine.id]).median),
      apiOutputMbPerS: megabytesPerSecond(stats(throughApi[engine.id]).median),
      cliOutputMbPerS: megabytesPerSecond(stats(throughCli[engine.id]).median),
    });
}

async function coldStart() {
  const cold = samples();
  const cliRun = samples();
  // Round 0 warms each engine's image and runtime path and is not counted.
  for (let round = 0; round <= COLD_RUNS; round++) {
    log(`cold start: round ${round + 1} of ${COLD_RUNS + 1} (the first is a warm-up)`);
    for (const engine of rotated(round)) {
      const name = `${PREFIX}-${engine.id}-cold-${round}`;
      let fresh;
      const elapsed = await timeOnce(async () => {
        fresh = createDockerBackend(backendOptions(engine, name));
        await fresh.exec("true");
      });
      await fresh.dispose();
      await engine.docker.getContainer(name).remove({ force: true, v: true });
      const runElapsed = await timeOnce(() => engine.cliRun(["run", "--rm", "--network", "none", ...engine.runArgs, IMAGE, "true"]));
      if (round > 0) {
        cold[engine.id].push(elapsed);
        cliRun[engine.id].push(runElapsed);
      }
    }
  }
  for (const engine of engines) Object.assign(results[engine.id], { cold: stats(cold[engine.id]), cliRun: stats(cliRun[engine.id]) });
}

const timing = (s) => `${ms(s.median)} (${ms(s.p95)})`;
const ratio = (value) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)}x`;
const row = (title, cell) => `| ${title} | ${engines.map((e) => cell(results[e.id])).join(" | ")} |`;
const first = results[engines[0].id];
const lines = [
  "## Engines and runtimes side by side (`bench/engines.mjs`)",
  "",
  `Machine: ${cpus().length} cores, Node ${process.version}; image \`${IMAGE}\`, network none; load average at the start ${loadAtStart}, at the end ${loadAverage()}.`,
  `Engines: ${engines.map((e) => `${e.label} ${e.version}`).join("; ")}.`,
  "Reproduce (as root): `bash scripts/ensure-podman.sh && pnpm turbo build --filter @monoclaw/backend-docker... && node bench/engines.mjs`",
  "",
  `Median (p95) per engine. Runs per engine: per command ${first.exec.n} backend exec, ${first.session.n} ShellSession, ${first.cliExec.n} CLI exec; cold start ${first.cold.n} each; output ${OUTPUT_RUNS} each.`,
  "",
  `| measure | ${engines.map((e) => e.label).join(" | ")} |`,
  `|---|${engines.map(() => "---").join("|")}|`,
  row("`true` through backend `exec` (pooled shell)", (r) => timing(r.exec)),
  row("`true` through a backend ShellSession", (r) => timing(r.session)),
  row("`<cli> exec CONTAINER sh -c true` spawned from Node (baseline)", (r) => timing(r.cliExec)),
  row(
    "speed-up vs the CLI's exec: backend `exec` / ShellSession",
    (r) => `${ratio(r.cliExec.median / r.exec.median)} / ${ratio(r.cliExec.median / r.session.median)}`,
  ),
  row('cold start: new backend on a new name to first `exec("true")`', (r) => timing(r.cold)),
  row("`<cli> run --rm --network none IMAGE true` spawned from Node (baseline)", (r) => timing(r.cliRun)),
  row("cold start / the CLI's run (below 1 is faster)", (r) => ratio(r.cold.median / r.cliRun.median)),
  row("100 MiB of output through `exec` (captured, spilled), MB/s", (r) => r.outputMbPerS.toFixed(0)),
  row("the same through one raw Engine API exec + demuxer, output dropped (the engine's ceiling), MB/s", (r) => r.apiOutputMbPerS.toFixed(0)),
  row("the same through `<cli> exec` read from its pipe (baseline), MB/s", (r) => r.cliOutputMbPerS.toFixed(0)),
  row("output: backend / the CLI's exec", (r) => ratio(r.outputMbPerS / r.cliOutputMbPerS)),
  "",
];
console.log(lines.join("\n"));
