#!/usr/bin/env node
// The Docker backend on an ssh:// engine, against the docker CLI on the same engine, in one run.
// Reproduce: bash scripts/ensure-docker.sh && bash docker/test-images/build.sh \
//   && pnpm turbo build --filter @monoclaw/backend-docker... --filter @monoclaw/testkit && node bench/docker-ssh.mjs
// Options (env): BENCH_IMAGE (default monoclaw-test/busybox:latest), BENCH_RUNS (default 200),
// BENCH_COLD_RUNS (default 10).
//
// Method: OpenSSH's sshd on 127.0.0.1 (testkit's startLocalSshd, as the tests use it); the engine is this machine's, reached through
// `docker system dial-stdio` on the SSH side. Per command `true` (network none):
// - the backend with host ssh://127.0.0.1:PORT: exec (pooled shell) and a ShellSession;
// - the same backend on the local socket (what the SSH hop adds);
// - `docker -H ssh://127.0.0.1:PORT exec CONTAINER true`, the docker CLI over the system ssh
//   (what a peer that spawns the CLI pays per command on a remote engine);
// - cold start (a new backend and container to the first command), over ssh:// and on the local socket.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Docker from "../packages/backend-docker/node_modules/dockerode/lib/docker.js";
import { createDockerBackend } from "../packages/backend-docker/dist/index.js";
import { startLocalSshd } from "../packages/testkit/dist/index.js";
import { stats } from "./stats.mjs";
import { ms, time } from "./timing.mjs";

const IMAGE = process.env.BENCH_IMAGE ?? "monoclaw-test/busybox:latest";
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 10);
const PREFIX = `mc-bench-ssh-${process.pid}`;
const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const dir = mkdtempSync(join(tmpdir(), "monoclaw-bench-ssh-"));
const home = join(dir, "home");

const keygen = (file) => execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file], { stdio: "pipe" });
mkdirSync(join(home, ".ssh"), { recursive: true, mode: 0o700 });
keygen(join(home, ".ssh", "id_ed25519"));
const sshd = await startLocalSshd(readFileSync(join(home, ".ssh", "id_ed25519.pub"), "utf8"));
const port = sshd.port;
writeFileSync(join(home, ".ssh", "known_hosts"), `[127.0.0.1]:${port} ${sshd.hostKey}\n`);

// ssh reads ~/.ssh from the passwd entry, not $HOME: a wrapper hands it this run's key and known hosts.
const binDir = join(dir, "bin");
mkdirSync(binDir);
writeFileSync(
  join(binDir, "ssh"),
  `#!/bin/sh\nexec /usr/bin/ssh -F /dev/null -o IdentitiesOnly=yes -i ${join(home, ".ssh", "id_ed25519")} -o UserKnownHostsFile=${join(home, ".ssh", "known_hosts")} "$@"\n`,
  { mode: 0o755 },
);
const cli = (args) =>
  new Promise((resolve, reject) => {
    const child = spawn("docker", args, { stdio: "ignore", env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` } });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`docker ${args.join(" ")} exited ${code}`))));
  });

const url = `ssh://127.0.0.1:${port}`;
const results = {};
try {
  const options = (name, extra = {}) => ({ image: IMAGE, network: "none", pull: "never", name, idle_timeout: 0, ...extra });
  const overSsh = createDockerBackend(options(`${PREFIX}-ssh`, { host: url, hostEnv: { HOME: home } }));
  await overSsh.exec("true");
  results.sshExec = await time(RUNS, 20, () => overSsh.exec("true"));
  const session = await overSsh.openSession();
  results.sshSession = await time(RUNS, 20, () => session.exec("true"));
  await session.close();
  results.cli = await time(Math.min(RUNS, 50), 3, () => cli(["-H", url, "exec", `${PREFIX}-ssh`, "true"]));
  await overSsh.dispose();

  const local = createDockerBackend(options(`${PREFIX}-local`));
  await local.exec("true");
  results.localExec = await time(RUNS, 20, () => local.exec("true"));
  await local.dispose();

  // Cold start, alternating so drift hits both alike.
  const coldSsh = [];
  const coldLocal = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const [samples, extra] of [
      [coldSsh, { host: url, hostEnv: { HOME: home } }],
      [coldLocal, {}],
    ]) {
      const name = `${PREFIX}-cold-${samples === coldSsh ? "ssh" : "local"}-${i}`;
      const started = performance.now();
      const fresh = createDockerBackend(options(name, extra));
      await fresh.exec("true");
      samples.push(performance.now() - started);
      await fresh.dispose();
      await docker.getContainer(name).remove({ force: true, v: true });
    }
  }
  results.coldSsh = stats(coldSsh);
  results.coldLocal = stats(coldLocal);
} finally {
  for (const c of await docker.listContainers({ all: true })) {
    if (c.Names.some((n) => n.startsWith(`/${PREFIX}`)))
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
  }
  await sshd.stop();
  rmSync(dir, { recursive: true, force: true });
}

const row = (label, s) => `| ${label} | ${ms(s.median)} | ${ms(s.p95)} | ${s.n} |`;
console.log(`## Docker backend on an ssh:// engine (\`bench/docker-ssh.mjs\`)

OpenSSH's sshd on 127.0.0.1 in front of this machine's engine; image \`${IMAGE}\`, network none.
Reproduce: \`pnpm turbo build --filter @monoclaw/backend-docker... --filter @monoclaw/testkit && node bench/docker-ssh.mjs\`

| per command (\`true\`) | median | p95 | runs |
|---|---|---|---|
${row("backend `exec` over ssh:// (pooled shell)", results.sshExec)}
${row("backend ShellSession `exec` over ssh://", results.sshSession)}
${row("backend `exec` on the local socket (baseline: what SSH adds)", results.localExec)}
${row("`docker -H ssh://... exec` spawned from Node (baseline)", results.cli)}

Speed-up vs the docker CLI over SSH: exec ${(results.cli.median / results.sshExec.median).toFixed(1)}x, session ${(results.cli.median / results.sshSession.median).toFixed(1)}x.

| cold start (new backend and container to the first command) | median | p95 | runs |
|---|---|---|---|
${row("over ssh://", results.coldSsh)}
${row("on the local socket (baseline)", results.coldLocal)}
`);
