#!/usr/bin/env node
// Where a new session from the warm pool spends its time: every Engine API call from
// `createDockerBackend({ scope: "session", warm_pool: 1 })` to its first `exec("true")` returning,
// with start, end and duration in ms since the backend was created. The time after the last call
// (the exec start) is the shell starting in the container and answering the first command.
// PROFILE_HELD=1: the same for the pool this process holds (warmPoolKeeper): members running with their shells open.
// Reproduce: pnpm turbo build --filter @monoclaw/backend-docker... && PROFILE_RUNS=3 [PROFILE_HELD=1] node bench/docker-pool-profile.mjs
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createDockerBackend, createWarmPoolKeeper } from "../packages/backend-docker/dist/index.js";

const dockerodeFile = realpathSync(fileURLToPath(new URL("../packages/backend-docker/node_modules/dockerode/lib/docker.js", import.meta.url)));
const require = createRequire(dockerodeFile);
const Modem = require("docker-modem/lib/modem.js");
const Docker = require(dockerodeFile);

const IMAGE = process.env.BENCH_IMAGE ?? "monoclaw-test/busybox:latest";
const RUNS = Number(process.env.PROFILE_RUNS ?? 3);
const CWD = `/nonexistent/mc-pool-profile-${process.pid}`;

let origin = 0;
let calls = [];
const dial = Modem.prototype.dial;
Modem.prototype.dial = function timedDial(options, callback) {
  const started = performance.now() - origin;
  const what = `${options.method} ${options.path.replace(/[0-9a-f]{64}/g, "<id>").split("?")[0]}`;
  return dial.call(this, options, (error, data) => {
    calls.push({ started, ended: performance.now() - origin, what: error ? `${what} (${error.statusCode ?? "error"})` : what });
    callback(error, data);
  });
};

const keeper = process.env.PROFILE_HELD === "1" ? createWarmPoolKeeper() : undefined;
let sessions = 0;
const session = () =>
  createDockerBackend({
    image: IMAGE,
    network: "none",
    pull: "never",
    keep_warm: false,
    idle_timeout: 0,
    cwd: CWD,
    scope: "session",
    warm_pool: 1,
    session: { id: `mc-pool-profile-${process.pid}-${++sessions}`, resumed: false },
    ...(keeper ? { warmPoolKeeper: keeper } : {}),
  });

try {
  const primer = session();
  await primer.exec("true");
  await keeper?.settled();
  await primer.dispose(); // leaves the first member
  for (let i = 0; i < RUNS; i++) {
    calls = [];
    origin = performance.now();
    const claimed = session();
    await claimed.exec("true");
    const total = performance.now() - origin;
    const lastEnd = Math.max(...calls.map((c) => c.ended));
    console.log(`run ${i + 1}: ${total.toFixed(1)} ms to the first command; the last API call ended at ${lastEnd.toFixed(1)} ms`);
    for (const c of calls.sort((a, b) => a.started - b.started))
      console.log(`  ${c.started.toFixed(1).padStart(7)} ${c.ended.toFixed(1).padStart(7)} ${(c.ended - c.started).toFixed(1).padStart(6)}  ${c.what}`);
    await keeper?.settled();
    await claimed.dispose(); // removes it and refills the pool (not timed)
  }
} finally {
  await keeper?.close();
  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  for (const c of await docker.listContainers({ all: true }))
    if (c.Labels?.["dev.monoclaw.scope"] === CWD)
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
}
