import { afterAll, describe, expect, it } from "vitest";
import { LABEL_POOL } from "./container/container-labels.js";
import { createWarmPoolKeeper, type WarmPoolKeeper } from "./container/warm-pool-keeper.js";
import type { DockerBackend, DockerBackendOptions } from "./docker-backend.js";
import { poolTestSession, removePoolTestContainers } from "./warm-pool.test-helpers.js";
import { testDocker, text, waitFor } from "./docker.test-helpers.js";

// A warm pool held by one process (createWarmPoolKeeper) against the real
// engine: members running with their shells open, claimed by new sessions.
// Every container here carries this file's env tag (so its pool is its own);
// everything tagged is removed at the end.

const tag = `mc-test-keeper-${process.pid}`;
let counter = 0;
const nextSession = () => `${tag}-${++counter}`;
const keepers: WarmPoolKeeper[] = [];

afterAll(async () => {
  await Promise.all(keepers.map((k) => k.close()));
  await removePoolTestContainers(tag);
});

function newKeeper(): WarmPoolKeeper {
  const keeper = createWarmPoolKeeper();
  keepers.push(keeper);
  return keeper;
}

function session(keeper: WarmPoolKeeper | undefined, id: string, options: DockerBackendOptions = {}): DockerBackend {
  return poolTestSession(tag, id, { ...(keeper ? { warmPoolKeeper: keeper } : {}), ...options });
}

/** This file's pool members (running or paused) by their pool name. */
async function poolMembers(): Promise<Array<{ id: string; state: string }>> {
  const listed = await testDocker.listContainers({ all: true, filters: { label: [`${LABEL_POOL}=true`] } });
  const ours: Array<{ id: string; state: string }> = [];
  for (const c of listed) {
    if (!c.Names[0]!.startsWith("/monoclaw-pool-")) continue;
    const info = await testDocker
      .getContainer(c.Id)
      .inspect()
      .catch(() => undefined); // removed meanwhile (a stale member)
    if (info?.Config.Env?.includes(`POOL_TEST=${tag}`)) ours.push({ id: c.Id, state: c.State });
  }
  return ours;
}

const execIds = async (id: string) => (await testDocker.getContainer(id).inspect()).ExecIDs ?? [];

/** A first session (cold, nothing held yet) that makes the keeper hold one member of these settings. */
async function primed(keeper: WarmPoolKeeper, options: DockerBackendOptions = {}): Promise<void> {
  const first = session(keeper, nextSession(), options);
  await first.exec("true");
  await keeper.settled();
  await first.dispose();
}

describe("warm pool held by one process (real engine)", () => {
  it("hands a new session a running member whose shell is already open: its first command starts no new process through the Engine API", async () => {
    const keeper = newKeeper();
    await primed(keeper);
    const [member] = await poolMembers();
    expect(member?.state).toBe("running");
    const before = await execIds(member!.id);
    expect(before).toHaveLength(1); // the held shell

    const id = nextSession();
    const claimed = session(keeper, id);
    const result = await claimed.exec("echo claimed; pwd");
    expect(text(result.stdout.head)).toBe("claimed\n/workspace\n");
    expect(await claimed.ensureContainer()).toBe(member!.id);
    expect((await testDocker.getContainer(member!.id).inspect()).Name).toBe(`/monoclaw-session-${id}`);
    expect(await execIds(member!.id)).toEqual(before);

    // Positive control: without the keeper a new session's first command opens its shell with an exec of its own.
    const cold = session(undefined, nextSession(), { warm_pool: 0 });
    await cold.exec("true");
    const coldId = await cold.ensureContainer();
    expect((await execIds(coldId)).length).toBeGreaterThanOrEqual(1);
    await cold.dispose();
    await claimed.dispose();
  });

  it("never hands out a member another session used: the used one is removed and the next session gets a fresh one", async () => {
    const keeper = newKeeper();
    await primed(keeper);
    const a = session(keeper, nextSession());
    await a.exec("touch /tmp/a-was-here");
    const aId = await a.ensureContainer();
    expect(text((await a.exec("ls /tmp/a-was-here")).stdout.head)).toBe("/tmp/a-was-here\n");
    await keeper.settled();
    await a.dispose();
    expect(
      await testDocker
        .getContainer(aId)
        .inspect()
        .catch(() => "gone"),
    ).toBe("gone");

    const b = session(keeper, nextSession());
    const listed = await b.exec("ls /tmp/a-was-here");
    expect(listed.exitCode).not.toBe(0);
    expect(await b.ensureContainer()).not.toBe(aId);
    await b.dispose();
  });

  it("never hands a member to a session whose forward_env values differ: that session gets a container of its own and sees its own value", async () => {
    const keeper = newKeeper();
    const withValue = (value: string) => ({ forward_env: ["POOL_SECRET"], hostEnv: { ...process.env, POOL_SECRET: value } });
    await primed(keeper, withValue("first"));
    const [member] = await poolMembers();
    expect(member).toBeDefined();

    const other = session(keeper, nextSession(), withValue("second"));
    expect(text((await other.exec('echo "$POOL_SECRET"')).stdout.head)).toBe("second\n");
    expect(await other.ensureContainer()).not.toBe(member!.id);
    await other.dispose();

    // Positive control: the same value claims the held member.
    const same = session(keeper, nextSession(), withValue("first"));
    expect(text((await same.exec('echo "$POOL_SECRET"')).stdout.head)).toBe("first\n");
    expect(await same.ensureContainer()).toBe(member!.id);
    await same.dispose();
  });

  it("gives a resumed session its own container back and keeps the member unused for the next one", async () => {
    const keeper = newKeeper();
    const id = nextSession();
    const original = session(keeper, id, { keep_warm: true });
    await original.exec("touch /tmp/mine");
    const originalId = await original.ensureContainer();
    await keeper.settled();
    await original.dispose();
    const [member] = await poolMembers();
    expect(member?.state).toBe("running");

    const resumed = session(keeper, id, { keep_warm: true, session: { id, resumed: true } });
    expect((await resumed.exec("ls /tmp/mine")).exitCode).toBe(0);
    expect(await resumed.ensureContainer()).toBe(originalId);
    expect(await poolMembers()).toContainEqual({ id: member!.id, state: "running" }); // still under its pool name, unused
    await resumed.dispose();
    await testDocker
      .getContainer(originalId)
      .remove({ force: true })
      .catch(() => undefined);

    // The member was given back: the next new session claims it.
    const next = session(keeper, nextSession(), { keep_warm: true });
    await next.exec("true");
    expect(await next.ensureContainer()).toBe(member!.id);
    await testDocker
      .getContainer(member!.id)
      .remove({ force: true })
      .catch(() => undefined);
    await next.dispose();
  });

  it("does not hand out a member whose container was removed behind its back: the session is created as usual and works", async () => {
    const keeper = newKeeper();
    await primed(keeper);
    const [member] = await poolMembers();
    await testDocker.getContainer(member!.id).remove({ force: true });
    const s = session(keeper, nextSession());
    expect(text((await s.exec("echo fine")).stdout.head)).toBe("fine\n");
    expect(await s.ensureContainer()).not.toBe(member!.id);
    await s.dispose();
  });

  it("at close leaves its unclaimed members paused, where a session in another process claims them", async () => {
    const keeper = newKeeper();
    await primed(keeper);
    const [member] = await poolMembers();
    await keeper.close();
    await waitFor(async () => (await poolMembers()).some((m) => m.id === member!.id && m.state === "paused"), 10_000, "the member paused");

    const elsewhere = session(undefined, nextSession()); // no keeper: what a new process does
    expect(text((await elsewhere.exec("echo unpaused")).stdout.head)).toBe("unpaused\n");
    expect(await elsewhere.ensureContainer()).toBe(member!.id);
    await elsewhere.dispose();
  });
});
