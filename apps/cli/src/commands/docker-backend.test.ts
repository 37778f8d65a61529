import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEngine, listManagedContainers, processDiscoveryEnvironment, removeManaged } from "@monoclaw/backend-docker";
import { createTestHome, runBin, startBin, type TestHome } from "../cli.test-helpers.js";

/**
 * `monoclaw exec`, `config` and `doctor` against the real Docker engine, with
 * the local sh-only image and no network. Each test home has its own
 * terminal.cwd, so its container (named after it) is its own; all are removed
 * at the end.
 */
let t: TestHome;
beforeAll(async () => {
  t = createTestHome();
  for (const [key, value] of [
    ["terminal.backend", "docker"],
    ["terminal.docker.image", "monoclaw-test/busybox:latest"],
    ["terminal.docker.network", "none"],
    ["terminal.docker.pull", "never"],
    ["terminal.cwd", t.workdir],
  ]) {
    expect(await run(["config", "set", key as string, value as string])).toMatchObject({ code: 0 });
  }
});
afterAll(async () => {
  const { docker } = await connectEngine(processDiscoveryEnvironment());
  for (const container of await listManagedContainers(docker)) {
    if (container.scope === t.workdir) await removeManaged(docker, container.id);
  }
  t.remove();
});

const run = (args: string[], env: Record<string, string> = {}) => runBin(args, { env: { ...t.env, ...env }, cwd: t.workdir });

describe("monoclaw with the Docker backend", () => {
  it("accepts `config set terminal.backend docker` and the docker section's keys, keeping them in the file", () => {
    expect(t.readConfig()).toBe(
      `terminal:\n  backend: docker\n  docker:\n    image: monoclaw-test/busybox:latest\n    network: none\n    pull: never\n  cwd: ${t.workdir}\n`,
    );
  });

  it("runs `monoclaw exec -- echo hi` in the container", async () => {
    expect(await run(["exec", "--", "echo", "hi"])).toMatchObject({ code: 0, stdout: "hi\n", stderr: "" });
    expect(await run(["exec", "--", "test -e /.dockerenv && echo in-container; exit 42"])).toMatchObject({ code: 42, stdout: "in-container\n" });
  });

  it("warns about a mistyped docker key with the closest key, from the backend's own schema", async () => {
    const result = await run(["config", "set", "terminal.docker.netwrok", "bridge"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("fix: did you mean terminal.docker.network?");
    const invalid = await run(["config", "set", "terminal.docker.pull", "sometimes"]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('terminal.docker.pull is "sometimes"; allowed: one of "missing", "always", "never"');
  });

  it("ends the command inside the container on timeout (124) and on Ctrl-C (130)", async () => {
    expect(await run(["config", "set", "terminal.docker.keep_warm", "true"])).toMatchObject({ code: 0 });
    const timedOut = await run(["exec", "--timeout", "1", "--", "sleep 301 & sleep 302; echo never"]);
    expect(timedOut.code).toBe(124);
    expect(timedOut.stdout).toBe("");

    const running = startBin(["exec", "--", "sleep 303 & echo ready; sleep 304"], { env: t.env, cwd: t.workdir });
    await running.waitForStdout("ready\n");
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(130);

    // keep_warm left the container running: nothing of either command may be left in it.
    const ps = await run(["exec", "--", "ps -o args"]);
    expect(ps.code).toBe(0);
    expect(ps.stdout).not.toMatch(/sleep 30[1-4]/);
    expect(await run(["config", "unset", "terminal.docker.keep_warm"])).toMatchObject({ code: 0 });
  });

  it("doctor checks the real engine: ✓ and exit 0, --json ok", async () => {
    const result = await run(["doctor"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^✓ config .* is valid\n/);
    expect(result.stdout).toMatch(/\n✓ backend docker /);
    expect(result.stdout).toMatch(/✓ Docker engine /);
    const report = JSON.parse((await run(["doctor", "--json"])).stdout) as { ok: boolean; checks: { level: string }[] };
    expect(report.ok).toBe(true);
  });

  it("doctor fails (✗, exit 1) when the image is missing and may not be pulled, with a fix", async () => {
    const env = {};
    expect(await run(["config", "set", "terminal.docker.image", "monoclaw-test/missing-image:latest"], env)).toMatchObject({ code: 0 });
    const result = await run(["doctor"], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ .*monoclaw-test\/missing-image:latest.*\n {2}fix: /);
    expect(JSON.parse((await run(["doctor", "--json"], env)).stdout)).toMatchObject({ ok: false });
    const exec = await run(["exec", "--", "true"], env);
    expect(exec.code).toBe(125);
    expect(exec.stderr).toMatch(/^monoclaw: .*monoclaw-test\/missing-image:latest/);
    expect(await run(["config", "set", "terminal.docker.image", "monoclaw-test/busybox:latest"])).toMatchObject({ code: 0 });
  });
});
