import { afterAll, describe, expect, it } from "vitest";
import { containerNames, containerProcesses, testBackend, testDocker, text, waitFor } from "./docker.test-helpers.js";

const names = containerNames("mc-test-warm");
afterAll(() => names.cleanup());

const state = async (name: string) => (await testDocker.getContainer(name).inspect()).State;

describe("keep_warm, idle stop and dispose (real engine)", () => {
  it("creates nothing until the first command", async () => {
    const name = names.next();
    const backend = testBackend(name);
    expect((await backend.status()).summary).toContain("not created yet");
    expect(
      await testDocker
        .getContainer(name)
        .inspect()
        .catch(() => "absent"),
    ).toBe("absent");
    await backend.dispose();
    expect(
      await testDocker
        .getContainer(name)
        .inspect()
        .catch(() => "absent"),
    ).toBe("absent");
  });

  it("without keep_warm: stops the container at dispose, leaves no process behind, and reuses it next time", async () => {
    const name = names.next();
    const first = testBackend(name);
    const session = await first.openSession();
    await session.exec("sleep 500 &");
    await first.writeFile("kept.txt", "survives a stop");
    const id = await first.ensureContainer();
    await first.dispose();
    expect((await state(name)).Running).toBe(false);

    const second = testBackend(name);
    try {
      expect(text(await second.readFile("kept.txt"))).toBe("survives a stop");
      expect(await second.ensureContainer()).toBe(id);
      expect((await containerProcesses(name)).some((p) => p.includes("sleep 500"))).toBe(false);
    } finally {
      await second.dispose();
    }
  });

  it("with keep_warm: leaves the container running at dispose for the next run, but ends its shells", async () => {
    const name = names.next();
    const first = testBackend(name, { keep_warm: true });
    const session = await first.openSession();
    await session.exec("true");
    await first.exec("true");
    await first.dispose();
    expect((await state(name)).Running).toBe(true);
    // No session shell or pooled shell is left running in the warm container.
    await waitFor(async () => !(await containerProcesses(name)).some((p) => /sh -s|bash .*-s/.test(p)), 10_000, "shells gone");

    const second = testBackend(name, { keep_warm: true });
    try {
      const startedAt = (await state(name)).StartedAt;
      expect((await second.exec("echo warm")).exitCode).toBe(0);
      expect((await state(name)).StartedAt).toBe(startedAt);
    } finally {
      await second.dispose();
    }
  });

  it("stops an idle container after idle_timeout and starts it again on the next command", async () => {
    const name = names.next();
    const messages: string[] = [];
    const backend = testBackend(name, { idle_timeout: 1, log: (m) => messages.push(m) });
    try {
      await backend.exec("true");
      const session = await backend.openSession();
      await session.exec("cd /tmp");
      await waitFor(async () => (await state(name)).Running === false, 30_000, "idle stop");
      expect(messages.join("\n")).toMatch(/idle for 1 s: stopping it/);
      expect(text((await backend.exec("echo again")).stdout.head)).toBe("again\n");
      expect((await state(name)).Running).toBe(true);
      // The session's shell was ended by the stop: it comes back fresh, in the starting directory.
      const after = await session.exec("pwd");
      expect(after.exitCode).toBe(0);
      expect(text(after.stdout.head)).toBe("/workspace\n");
      await session.close();
    } finally {
      await backend.dispose();
    }
  });
});
