import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listManagedContainers } from "./container/container-reaper.js";
import { createDockerBackend, type DockerBackend, type DockerBackendOptions } from "./docker-backend.js";
import { BUSYBOX, testDocker, text } from "./docker.test-helpers.js";

// terminal.docker.scope against the real engine: directory (the default),
// session, shared. Names are derived from the scope, so this file tags its
// session ids and settings with its own prefix and removes what it made.

const tag = `mc-test-scope-${process.pid}`;
let counter = 0;
const nextSession = () => `${tag}-${++counter}`;
const made = new Set<string>();
let dirA: string;
let dirB: string;

beforeAll(async () => {
  dirA = await mkdtemp(join(tmpdir(), "scope-a-"));
  dirB = await mkdtemp(join(tmpdir(), "scope-b-"));
});

afterAll(async () => {
  for (const name of made)
    await testDocker
      .getContainer(name)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  await rm(dirA, { recursive: true, force: true });
  await rm(dirB, { recursive: true, force: true });
});

/** A test backend whose container this file removes at the end; `env` tags `shared` names with this file's run. */
function backend(options: DockerBackendOptions): DockerBackend {
  const created = createDockerBackend({ image: BUSYBOX, network: "none", pull: "never", idle_timeout: 0, env: { SCOPE_TEST: tag }, ...options });
  made.add(created.containerName);
  return created;
}

const exists = async (name: string) =>
  (await testDocker
    .getContainer(name)
    .inspect()
    .catch(() => undefined)) !== undefined;
const hostname = async (b: DockerBackend) => text((await b.exec("hostname")).stdout.head).trim();

describe("terminal.docker.scope (real engine)", () => {
  it("gives two sessions in the same directory two containers, and removes each when its session ends", async () => {
    const [idA, idB] = [nextSession(), nextSession()];
    const a = backend({ scope: "session", cwd: dirA, session: { id: idA, resumed: false } });
    const b = backend({ scope: "session", cwd: dirA, session: { id: idB, resumed: false } });
    expect(a.containerName).toBe(`monoclaw-session-${idA}`);
    expect(b.containerName).toBe(`monoclaw-session-${idB}`);
    await a.writeFile("/root/who", "session a");
    expect(await hostname(a)).not.toBe(await hostname(b));
    expect((await b.exec("cat /root/who")).exitCode).not.toBe(0); // a's file is not in b's container

    const listed = (await listManagedContainers(testDocker)).filter((c) => c.name === a.containerName || c.name === b.containerName);
    expect(listed.map((c) => [c.scopeKind, c.scopeId, c.scope]).sort()).toEqual([
      ["session", idA, dirA],
      ["session", idB, dirA],
    ]);

    await a.dispose();
    expect(await exists(a.containerName)).toBe(false);
    expect(await exists(b.containerName)).toBe(true); // the other session's container is untouched
    await b.dispose();
    expect(await exists(b.containerName)).toBe(false);
  });

  it("gives a resumed session its container back while it exists (keep_warm), and a new one with a note when it does not", async () => {
    const id = nextSession();
    const first = backend({ scope: "session", keep_warm: true, cwd: dirA, session: { id, resumed: false } });
    await first.writeFile("/root/installed", "from the first run");
    const containerId = await first.ensureContainer();
    await first.dispose();
    expect((await testDocker.getContainer(first.containerName).inspect()).State.Running).toBe(true);

    const notes: string[] = [];
    const resumed = backend({ scope: "session", keep_warm: true, cwd: dirA, session: { id, resumed: true }, log: (m) => notes.push(m) });
    expect(text(await resumed.readFile("/root/installed"))).toBe("from the first run");
    expect(await resumed.ensureContainer()).toBe(containerId);
    expect(notes).toEqual([]);
    await resumed.dispose();

    await testDocker.getContainer(first.containerName).remove({ force: true });
    const again = backend({ scope: "session", keep_warm: true, cwd: dirA, session: { id, resumed: true }, log: (m) => notes.push(m) });
    expect((await again.exec("cat /root/installed")).exitCode).not.toBe(0);
    expect(notes).toEqual([
      `Session ${id}'s container ${first.containerName} no longer exists: starting a new one (what was installed in it is gone; files in mounted directories are kept; keep_warm: true keeps a session's container after it ends)`,
    ]);
    await again.dispose();
  });

  it("recreates a session's container removed behind its back and retries the command", async () => {
    const b = backend({ scope: "session", cwd: dirA, session: { id: nextSession(), resumed: false } });
    const before = await b.ensureContainer();
    await testDocker.getContainer(b.containerName).remove({ force: true });
    expect(text((await b.exec("echo back")).stdout.head)).toBe("back\n");
    expect(await b.ensureContainer()).not.toBe(before);
    await b.dispose();
    expect(await exists(b.containerName)).toBe(false);
  });

  it("replaces a session's container when the settings change (config hash), keeping its name", async () => {
    const id = nextSession();
    const first = backend({ scope: "session", keep_warm: true, cwd: dirA, session: { id, resumed: false } });
    const before = await first.ensureContainer();
    await first.dispose();
    const notes: string[] = [];
    const changed = backend({ scope: "session", keep_warm: true, memory: "256m", cwd: dirA, session: { id, resumed: true }, log: (m) => notes.push(m) });
    expect(changed.containerName).toBe(first.containerName);
    expect(await changed.ensureContainer()).not.toBe(before);
    expect(notes).toEqual([`terminal.docker settings changed: replacing container ${first.containerName} to apply the new terminal.docker.memory`]);
    await changed.dispose();
  });

  it("without a session, a session-scoped backend is a session of its own, removed at the end", async () => {
    const b = backend({ scope: "session", cwd: dirA });
    expect(b.containerName).toMatch(/^monoclaw-session-ephemeral-[0-9a-f]{12}$/);
    expect((await b.exec("true")).exitCode).toBe(0);
    await b.dispose();
    expect(await exists(b.containerName)).toBe(false);
  });

  it("shares one container across directories under shared, and keeps one per directory under directory", async () => {
    const sharedA = backend({ scope: "shared", cwd: dirA });
    const sharedB = backend({ scope: "shared", cwd: dirB });
    expect(sharedA.containerName).toBe(sharedB.containerName);
    expect(sharedA.containerName).toMatch(/^monoclaw-shared-[0-9a-f]{12}$/);
    expect(await sharedA.ensureContainer()).toBe(await sharedB.ensureContainer());
    const other = backend({ scope: "shared", cwd: dirA, env: { SCOPE_TEST: `${tag}-other` } });
    expect(other.containerName).not.toBe(sharedA.containerName); // other settings, another shared container

    const dirScopedA = backend({ cwd: dirA });
    const dirScopedB = backend({ cwd: dirB });
    expect(dirScopedA.containerName).not.toBe(dirScopedB.containerName);
    expect(dirScopedA.containerName).toMatch(/^monoclaw-[0-9a-f]{12}$/);
    const labels = (await listManagedContainers(testDocker)).find((c) => c.name === sharedA.containerName);
    expect(labels).toMatchObject({ scopeKind: "shared" });
    expect(labels?.scopeId).toBeUndefined();
    await Promise.all([sharedA, sharedB, other, dirScopedA, dirScopedB].map((b) => b.dispose()));
    expect((await testDocker.getContainer(sharedA.containerName).inspect()).State.Running).toBe(false); // stopped, not removed
  });
});
