import { spawn } from "node:child_process";
import { peakRss, rssGrowthBound } from "@monoclaw/testkit";
import { connectEngine, listManagedContainers, processDiscoveryEnvironment, removeManaged } from "@monoclaw/backend-docker";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, createTestHome, type TestHome } from "../cli.test-helpers.js";

const MiB = 1024 * 1024;
/** The stated bound: peak memory of `monoclaw exec` above an idle one, whatever the reader does. */
const MAX_GROWTH_BYTES = rssGrowthBound();

let t: TestHome;
beforeEach(() => {
  t = createTestHome();
  t.writeConfig(`terminal:\n  backend: host\n  cwd: ${t.workdir}\n`);
});
afterEach(async () => {
  const { docker } = await connectEngine(processDiscoveryEnvironment());
  for (const container of await listManagedContainers(docker)) {
    if (container.scope === t.workdir) await removeManaged(docker, container.id);
  }
  t.remove();
});

const DOCKER_CONFIG = (workdir: string) =>
  `terminal:\n  backend: docker\n  cwd: ${workdir}\n  docker:\n    image: monoclaw-test/busybox:latest\n    network: none\n    pull: never\n`;

/**
 * Runs `monoclaw exec -- <command>` with its stdout piped into a real reader
 * process (`sh -c '<reader>'`), sampling the CLI's peak RSS until it exits.
 */
async function execInto(command: string, reader: string): Promise<{ code: number | null; peak: number; readerOutput: string }> {
  const consumer = spawn("sh", ["-c", reader], { stdio: ["pipe", "pipe", "inherit"] });
  let readerOutput = "";
  consumer.stdout.on("data", (chunk: Buffer) => (readerOutput += chunk.toString()));
  const consumerExited = new Promise((resolve) => consumer.once("exit", resolve));
  const cli = spawn(process.execPath, [BIN, "exec", "--", command], { env: t.env, cwd: t.root, stdio: ["ignore", consumer.stdin, "inherit"] });
  // Only the reader holds the pipe's read end, only the CLI its write end.
  consumer.stdin.destroy();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, peakRss(cli.pid!))), 50);
  const code = await new Promise<number | null>((resolve) => cli.once("exit", resolve));
  clearInterval(sampler);
  // Its exit may have come first: the promise was made before.
  await consumerExited;
  return { code, peak, readerOutput };
}

describe("monoclaw exec under a slow reader", () => {
  /** An idle exec, then 512 MiB into a reader that stalls 4 s: every byte arrives, and the peak stays within the bound. */
  async function expectHeldBack(): Promise<void> {
    const idle = await execInto("sleep 1", "cat > /dev/null");
    expect(idle.code).toBe(0);
    expect(idle.peak).toBeGreaterThan(0);
    const size = 512 * MiB;
    const flood = await execInto(`head -c ${size} /dev/zero`, "sleep 4; wc -c");
    expect(flood.code).toBe(0);
    expect(Number(flood.readerOutput.trim())).toBe(size);
    expect(flood.peak - idle.peak).toBeLessThan(MAX_GROWTH_BYTES);
  }

  it("holds the command back instead of buffering: 512 MiB to a reader that stalls 4 s stays within the stated bound (64 MiB on Node 20, 128 MiB from Node 22) of an idle exec, and every byte arrives", async () => {
    await expectHeldBack();
  }, 120_000);

  it("holds a Docker command back too (the attach stream is paused): 512 MiB to a reader that stalls 4 s stays within the stated bound (64 MiB on Node 20, 128 MiB from Node 22) of an idle exec", async () => {
    t.writeConfig(DOCKER_CONFIG(t.workdir));
    await expectHeldBack();
  }, 180_000);

  it("still ends a command held back by a reader that never reads when the command times out", async () => {
    const started = Date.now();
    const stuck = spawn("sh", ["-c", "sleep 30"], { stdio: ["pipe", "ignore", "ignore"] });
    const cli = spawn(process.execPath, [BIN, "exec", "--timeout", "2", "--", "yes"], { env: t.env, cwd: t.root, stdio: ["ignore", stuck.stdin, "pipe"] });
    stuck.stdin.destroy();
    let stderr = "";
    cli.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRss(cli.pid!))), 50);
    const code = await new Promise<number | null>((resolve) => cli.once("exit", resolve));
    clearInterval(sampler);
    stuck.kill();
    expect(code).toBe(124);
    expect(stderr).toContain("timed out after 2 s");
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(peak).toBeLessThan(200 * MiB);
  }, 60_000);
});
