import { afterAll, describe, expect, it } from "vitest";
import { containerNames, testBackend, testDocker, text, waitFor } from "./docker.test-helpers.js";

// idle_action: pause against the real engine: the idle container is frozen
// with its shells open and thawed by the next call.

const names = containerNames("mc-test-pause");
afterAll(() => names.cleanup());

const state = async (name: string) => (await testDocker.getContainer(name).inspect()).State;

describe("idle_action (real engine)", () => {
  it("pause: freezes the idle container, keeps its session's shell, and thaws it on the next command", async () => {
    const name = names.next();
    const logs: string[] = [];
    const backend = testBackend(name, { idle_timeout: 1, idle_action: "pause", log: (m) => logs.push(m) });
    try {
      const session = await backend.openSession();
      await session.exec("cd /tmp; export KEPT=yes; sleep 300 &");
      await waitFor(async () => (await state(name)).Paused, 10_000, "the idle container paused");
      expect(logs).toContain(`Container ${name} idle for 1 s: pausing it (the next command thaws it)`);
      expect((await state(name)).Running).toBe(true); // paused, not stopped

      const again = await session.exec('echo "$PWD $KEPT"');
      expect(text(again.stdout.head)).toBe("/tmp yes\n"); // the same shell: nothing was re-opened
      expect(again.sessionReset).toBeUndefined();
      expect((await state(name)).Paused).toBe(false);
      expect(text((await backend.exec("echo pooled")).stdout.head)).toBe("pooled\n");
    } finally {
      await backend.dispose();
    }
    expect((await state(name)).Running).toBe(false); // dispose thawed it, then stopped it
  });

  it("stop (the default): stops the idle container; the session comes back with a fresh shell", async () => {
    const name = names.next();
    const backend = testBackend(name, { idle_timeout: 1 });
    try {
      const session = await backend.openSession();
      await session.exec("export KEPT=yes");
      await waitFor(async () => !(await state(name)).Running, 10_000, "the idle container stopped");
      expect((await state(name)).Paused).toBe(false);
      const again = await session.exec('echo "[$KEPT]"');
      expect(again.sessionReset).toBe(true);
      expect(text(again.stdout.head)).toBe("[]\n");
    } finally {
      await backend.dispose();
    }
  });
});
