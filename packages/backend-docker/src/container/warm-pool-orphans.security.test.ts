import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { BUSYBOX, testDocker, waitFor } from "../docker.test-helpers.js";
import { removePoolTestContainers, runningPoolMembers } from "../warm-pool.test-helpers.js";

/**
 * A process that holds warm pool members (mom, a server) and is killed
 * (SIGKILL, a crash: no `close()`) leaves them running under their pool
 * names: not claimable (only paused members are) and never reaped (the
 * reaper leaves running containers alone). Each holder here is a real child
 * process using the built package; `ageMs` sets its clock back, so its members
 * are that old. The next holder's refill removes the orphan. Real engine, `network: none`.
 */
const tag = `mc-test-orphans-${process.pid}`;
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await removePoolTestContainers(tag);
});

const packageEntry = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/** Starts a process that holds one member for a session of its own; resolves once that member is held. */
async function holdingProcess(childTag: string, ageMs: number): Promise<ChildProcess> {
  const program = `
    const RealDate = Date;
    globalThis.Date = class extends RealDate {
      constructor(...args) { if (args.length === 0) super(RealDate.now() - ${ageMs}); else super(...args); }
      static now() { return RealDate.now() - ${ageMs}; }
    };
    const { createDockerBackend, createWarmPoolKeeper } = await import(${JSON.stringify(packageEntry)});
    const keeper = createWarmPoolKeeper();
    const backend = createDockerBackend({
      image: ${JSON.stringify(BUSYBOX)}, network: "none", pull: "never", idle_timeout: 0, scope: "session", warm_pool: 1,
      env: { POOL_TEST: ${JSON.stringify(childTag)} }, session: { id: ${JSON.stringify(childTag)}, resumed: false }, warmPoolKeeper: keeper,
    });
    await backend.exec("true");
    await keeper.settled();
    process.stdout.write("HELD\\n");
    setInterval(() => undefined, 60_000);
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", program], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("HELD")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`holding process exited (${code}) before it held a member`)));
  });
  return child;
}

const HOUR_MS = 3600_000;

describe("members of a killed holder", () => {
  it("never leaves a killed process's held members running forever, while a live process's and a young orphan are kept", async () => {
    const killedTag = `${tag}-killed`;
    const liveTag = `${tag}-live`;
    const youngTag = `${tag}-young`;
    // One after the other: a holder's refill removes orphans, and a member mid-make with a clock set back would count as one.
    const killed = await holdingProcess(killedTag, HOUR_MS);
    await holdingProcess(liveTag, HOUR_MS);
    const young = await holdingProcess(youngTag, 0);
    // Positive control: each process holds a running member with its shell open.
    for (const childTag of [killedTag, liveTag, youngTag]) expect((await runningPoolMembers(childTag)).map((m) => m.execs)).toEqual([1]);

    killed.kill("SIGKILL");
    young.kill("SIGKILL");
    // With its process gone, the member's shell ends (its stdin closed), but the container keeps running.
    await waitFor(async () => (await runningPoolMembers(killedTag))[0]?.execs === 0, 30_000, "the killed holder's shell to end");
    await waitFor(async () => (await runningPoolMembers(youngTag))[0]?.execs === 0, 30_000, "the young holder's shell to end");
    const [orphan] = await runningPoolMembers(killedTag);

    // The next process that holds members (any settings): its refill removes the orphan.
    await holdingProcess(`${tag}-next`, 0);

    expect(await runningPoolMembers(killedTag)).toEqual([]);
    expect(
      await testDocker
        .getContainer(orphan!.id)
        .inspect()
        .catch(() => "gone"),
    ).toBe("gone");
    // A member a live process holds (its shell open) stays, however old; a young one may be mid-claim or mid-make elsewhere.
    expect((await runningPoolMembers(liveTag)).map((m) => m.execs)).toEqual([1]);
    expect((await runningPoolMembers(youngTag)).map((m) => m.execs)).toEqual([0]);
  }, 120_000);
});
