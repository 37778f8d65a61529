import { afterAll, describe, expect, it } from "vitest";
import { LABEL_POOL } from "./container/container-labels.js";
import { listManagedContainers } from "./container/container-reaper.js";
import type { DockerBackend, DockerBackendOptions } from "./docker-backend.js";
import { poolTestSession, removePoolTestContainers } from "./warm-pool.test-helpers.js";
import { testDocker, text } from "./docker.test-helpers.js";

// terminal.docker.warm_pool against the real engine. Every container here
// carries this file's own env tag, so its config hash (and so its pool) is
// its own; everything tagged is removed at the end.

const tag = `mc-test-pool-${process.pid}`;
let counter = 0;
const nextSession = () => `${tag}-${++counter}`;

afterAll(async () => {
  await removePoolTestContainers(tag);
});

const session = (id: string, options: DockerBackendOptions = {}): DockerBackend => poolTestSession(tag, id, options);

/** Unclaimed members of this file's pool (one set of settings per `variant`). */
async function members(variant = tag): Promise<Array<{ id: string; name: string }>> {
  const listed = await testDocker.listContainers({ filters: { label: [`${LABEL_POOL}=true`] } });
  const ours: Array<{ id: string; name: string }> = [];
  for (const c of listed) {
    const name = c.Names[0]!.slice(1);
    if (!name.startsWith("monoclaw-pool-")) continue;
    const info = await testDocker.getContainer(c.Id).inspect();
    if (info.Config.Env?.includes(`POOL_TEST=${variant}`)) ours.push({ id: c.Id, name });
  }
  return ours;
}

describe("warm_pool (real engine)", () => {
  it("a new session claims a ready member instead of creating one, and the ending session refills the pool", async () => {
    const first = session(nextSession());
    await first.exec("true"); // no pool yet: created cold
    expect(await members()).toEqual([]);
    await first.dispose();
    const [member] = await members();
    expect(member?.name).toMatch(/^monoclaw-pool-[0-9a-f]{16}-[0-9a-f]{6}$/);

    const id = nextSession();
    const second = session(id);
    expect(text((await second.exec("echo claimed")).stdout.head)).toBe("claimed\n");
    expect(await second.ensureContainer()).toBe(member!.id);
    expect(await members()).toEqual([]); // taken, not shared
    const listed = (await listManagedContainers(testDocker)).find((c) => c.id === member!.id);
    expect(listed).toMatchObject({ name: `monoclaw-session-${id}`, scopeKind: "session", scopeId: id, fromPool: true });

    await second.dispose();
    expect(
      await testDocker
        .getContainer(member!.id)
        .inspect()
        .catch(() => "gone"),
    ).toBe("gone"); // the used one is removed
    const refilled = await members();
    expect(refilled).toHaveLength(1);
    expect(refilled[0]!.id).not.toBe(member!.id);
  });

  it("never hands one member to two sessions claiming at once", async () => {
    const [member] = await members();
    expect(member).toBeDefined(); // left by the previous test's refill
    const a = session(nextSession());
    const b = session(nextSession());
    const [idA, idB] = await Promise.all([a.ensureContainer(), b.ensureContainer()]);
    expect(idA).not.toBe(idB);
    expect([idA, idB].filter((id) => id === member!.id)).toHaveLength(1);
    await a.writeFile("/root/mine", "a");
    expect((await b.exec("cat /root/mine")).exitCode).not.toBe(0);
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it("of four sessions claiming one waiting member at once, exactly one gets it (the unpause decides)", async () => {
    const ending = session(nextSession());
    await ending.ensureContainer();
    await ending.dispose(); // refills
    const [kept, ...extra] = await members(); // two refills at once (the test before) may have left two
    expect(kept).toBeDefined();
    for (const m of extra) await testDocker.getContainer(m.id).remove({ force: true, v: true });
    const waiting = [kept!];
    const claimers = [1, 2, 3, 4].map(() => session(nextSession()));
    const ids = await Promise.all(claimers.map((c) => c.ensureContainer()));
    expect(new Set(ids).size).toBe(4); // four containers, no two sessions in one
    expect(ids.filter((id) => id === waiting[0]!.id)).toHaveLength(1);
    await claimers[0]!.writeFile("/root/mine", "first");
    for (const other of claimers.slice(1)) expect((await other.exec("cat /root/mine")).exitCode).not.toBe(0);
    expect(text((await claimers[0]!.exec("cat /root/mine")).stdout.head)).toBe("first"); // positive control
    await Promise.all(claimers.map((c) => c.dispose()));
  });

  it("never hands out a member of other settings, nor a container a session used (even kept warm)", async () => {
    const kept = session(nextSession(), { keep_warm: true });
    const keptId = await kept.ensureContainer();
    await kept.dispose(); // running, named after its session: not a pool member
    const fresh = session(nextSession());
    expect(await fresh.ensureContainer()).not.toBe(keptId);
    await fresh.dispose();

    const pooled = (await members()).map((m) => m.id);
    expect(pooled.length).toBeGreaterThan(0);
    const other = session(nextSession(), { env: { POOL_TEST: `${tag}-other` }, warm_pool: 1 });
    expect(pooled).not.toContain(await other.ensureContainer()); // another config hash: created cold
    await other.dispose();
    expect(await members(`${tag}-other`)).toHaveLength(1); // its own pool, refilled
  });
  it("keeps waiting members paused, and never hands out a pool-named member that runs (another claim unpaused it first)", async () => {
    const ending = session(nextSession());
    await ending.exec("true");
    await ending.dispose(); // refills: at least one waiting member
    const waiting = await members();
    expect(waiting.length).toBeGreaterThan(0);
    for (const m of waiting) expect((await testDocker.getContainer(m.id).inspect()).State.Paused).toBe(true);

    // Another process's claim has unpaused every member and not yet renamed them: none of them is free.
    for (const m of waiting) await testDocker.getContainer(m.id).unpause();
    const late = session(nextSession());
    const lateId = await late.ensureContainer();
    expect(waiting.map((m) => m.id)).not.toContain(lateId); // created cold instead
    expect(text((await late.exec("echo cold")).stdout.head)).toBe("cold\n");
    await late.dispose();

    // Positive control: a member that waits (paused) is claimed.
    const [next] = (await members()).filter((m) => !waiting.some((w) => w.id === m.id));
    expect(next).toBeDefined();
    const claimer = session(nextSession());
    expect(await claimer.ensureContainer()).toBe(next!.id);
    await claimer.dispose();
    for (const m of waiting) await testDocker.getContainer(m.id).remove({ force: true, v: true });
  });
});
