import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { isBackendError } from "@monoclaw/core";
import { DEBIAN, containerNames, containerProcesses, testBackend, testDocker, text, waitFor } from "./docker.test-helpers.js";
import { containerLossError, containerStartedAt } from "./exec/container-loss.js";

const names = containerNames("mc-test-replace");
afterAll(() => names.cleanup());

const MIB = 1024 * 1024;

/** Two backends sharing one container name, as two MonoClaw processes with different settings would. */
function twoProcesses(name: string, changed: Parameters<typeof testBackend>[1] = {}) {
  const messages: string[] = [];
  const a = testBackend(name, { keep_warm: true });
  const b = testBackend(name, { keep_warm: true, memory: "256m", log: (m) => messages.push(m), ...changed });
  return { a, b, messages };
}

const runs = (name: string, pattern: RegExp) => async () => (await containerProcesses(name)).some((p) => pattern.test(p));

describe("a container is never replaced under a running command (real engine, two backends)", () => {
  it("waits for another process's running command before applying a new terminal.docker.memory; that command's output is whole", async () => {
    const name = names.next();
    const { a, b, messages } = twoProcesses(name);
    try {
      await a.exec("true");
      const before = (await testDocker.getContainer(name).inspect()).Id;
      let aDoneAt = 0;
      const running = a.exec("sleep 3; echo whole-output-of-A").then((result) => {
        aDoneAt = Date.now();
        return result;
      });
      await waitFor(runs(name, /sleep 3/), 10_000, "A's command to run");

      const changed = await b.exec("echo from-B");
      const bDoneAt = Date.now();

      const result = await running;
      expect(result.exitCode).toBe(0);
      expect(text(result.stdout.head)).toBe("whole-output-of-A\n");
      expect(text(changed.stdout.head)).toBe("from-B\n");
      expect(bDoneAt).toBeGreaterThanOrEqual(aDoneAt);
      const after = await testDocker.getContainer(name).inspect();
      expect(after.Id).not.toBe(before);
      expect(after.HostConfig.Memory).toBe(256 * MIB);
      const said = messages.join("\n");
      expect(said).toMatch(
        new RegExp(`Waiting for 1 running command in container ${name} \\(pid \\d+: [^)]*sleep 3[^)]*\\) before applying the new terminal\\.docker\\.memory`),
      );
      expect(said).toContain(`terminal.docker settings changed: replacing container ${name} to apply the new terminal.docker.memory`);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  it("refuses to replace it when the command outlasts the wait, naming the command (run as another uid) and how to proceed", async () => {
    const name = names.next();
    const { a, b } = twoProcesses(name, { user: "1000:1000", runningCommandsWaitMs: 1000 });
    const first = testBackend(name, { keep_warm: true, user: "1000:1000" });
    try {
      await first.exec("true");
      const before = (await testDocker.getContainer(name).inspect()).Id;
      const running = first.exec("sleep 5; echo still-whole");
      await waitFor(runs(name, /sleep 5/), 10_000, "the first command to run");

      const refused = await b.exec("echo never").catch((error: unknown) => error);
      expect(isBackendError(refused, "UNAVAILABLE")).toBe(true);
      const message = (refused as Error).message;
      expect(message).toContain(`Cannot apply the new terminal.docker.memory: replacing container ${name} would kill 1 running command`);
      expect(message).toMatch(/pid \d+: [^)]*sleep 5/);
      expect(message).toContain(`monoclaw sandbox stop ${name}`);

      // Positive control: the container and its command were left alone, and the command finishes whole.
      expect((await testDocker.getContainer(name).inspect()).Id).toBe(before);
      const result = await running;
      expect(result.exitCode).toBe(0);
      expect(text(result.stdout.head)).toBe("still-whole\n");
      // Once nothing runs, the same backend applies the change.
      expect(text((await b.exec("echo applied")).stdout.head)).toBe("applied\n");
      expect((await testDocker.getContainer(name).inspect()).HostConfig.Memory).toBe(256 * MIB);
    } finally {
      await first.dispose();
      await a.dispose();
      await b.dispose();
    }
  });

  it("waits for a command in another process's shell session (the agent's bash tool, bash image)", async () => {
    const name = names.next();
    const { a, b, messages } = twoProcesses(name, { image: DEBIAN });
    const first = testBackend(name, { keep_warm: true, image: DEBIAN });
    try {
      const session = await first.openSession();
      await session.exec("cd /tmp && export KEPT=yes");
      const running = session.exec("sleep 3; echo whole-$KEPT-$(pwd)");
      await waitFor(runs(name, /sleep 3/), 10_000, "the session's command to run");
      expect(text((await b.exec("echo from-B")).stdout.head)).toBe("from-B\n");
      const result = await running;
      expect(text(result.stdout.head)).toBe("whole-yes-/tmp\n");
      expect(result.sessionReset).toBeUndefined();
      expect(messages.join("\n")).toMatch(/Waiting for 1 running command in container .* \(pid \d+: sleep 3\)/);
    } finally {
      await first.dispose();
      await a.dispose();
      await b.dispose();
    }
  });

  it("counts an open `monoclaw sandbox shell` as running: refuses to replace it until the shell exits", async () => {
    const name = names.next();
    const { a, b } = twoProcesses(name, { runningCommandsWaitMs: 500 });
    try {
      await a.exec("true");
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      let seen = "";
      stdout.on("data", (chunk: Buffer) => (seen += chunk.toString("utf8")));
      const shell = a.interactiveShell({ stdin, stdout, stderr: new PassThrough() });
      stdin.write("echo shell-is-up\n");
      await waitFor(() => seen.includes("shell-is-up"), 10_000, "the interactive shell");

      const refused = await b.exec("echo never").catch((error: unknown) => error);
      expect(isBackendError(refused, "UNAVAILABLE")).toBe(true);
      expect((refused as Error).message).toMatch(/would kill 1 running command in container .* \(pid \d+: [^)]*sh/);

      // Positive control: once the shell exits, the change applies.
      stdin.end("exit 0\n");
      expect(await shell).toBe(0);
      expect(text((await b.exec("echo applied")).stdout.head)).toBe("applied\n");
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  it("does not wait for what an ended command left in the background, and says the replacement ends it", async () => {
    const name = names.next();
    const { a, b, messages } = twoProcesses(name);
    try {
      await a.exec("sleep 300 >/dev/null 2>&1 &");
      await waitFor(runs(name, /sleep 300/), 10_000, "the background job");
      const started = Date.now();
      expect(text((await b.exec("echo replaced")).stdout.head)).toBe("replaced\n");
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(messages.join("\n")).not.toMatch(/Waiting for/);
      expect(messages.join("\n")).toMatch(/replacing container .* \(this ends what earlier commands left running: pid \d+: sleep 300\)/);
      expect(await runs(name, /sleep 300/)()).toBe(false);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });
});

describe("a command whose container went away says why (real engine)", () => {
  it("says the container was removed when it is force-removed under a running command, then works again", async () => {
    const name = names.next();
    const backend = testBackend(name);
    try {
      expect(text((await backend.exec("echo before")).stdout.head)).toBe("before\n");
      const running = backend.exec("echo started; sleep 30").catch((error: unknown) => error);
      await waitFor(runs(name, /sleep 30/), 10_000, "the command to run");
      await testDocker.getContainer(name).remove({ force: true });
      const died = await running;
      expect(isBackendError(died, "UNAVAILABLE")).toBe(true);
      expect((died as Error).message).toMatch(
        new RegExp(`^The container ${name} was removed .*while this command ran \\(exit \\d+\\): the command was killed with it`),
      );
      // Positive control: the next command gets a new container.
      expect(text((await backend.exec("echo after")).stdout.head)).toBe("after\n");
    } finally {
      await backend.dispose();
    }
  });

  it("says the container was removed when a shell session's command dies with it", async () => {
    const name = names.next();
    const backend = testBackend(name);
    try {
      const session = await backend.openSession();
      expect(text((await session.exec("echo before")).stdout.head)).toBe("before\n");
      const running = session.exec("sleep 30").catch((error: unknown) => error);
      await waitFor(runs(name, /sleep 30/), 10_000, "the session's command to run");
      await testDocker.getContainer(name).remove({ force: true });
      const died = await running;
      expect(isBackendError(died, "UNAVAILABLE")).toBe(true);
      expect((died as Error).message).toMatch(new RegExp(`^The container ${name} was removed .*while this command ran \\(exit \\d+\\)`));
      // Positive control: the session's next command runs in a new container.
      expect(text((await session.exec("echo after")).stdout.head)).toBe("after\n");
    } finally {
      await backend.dispose();
    }
  });

  it("says the container was removed when a command staged as a script dies with it", async () => {
    const name = names.next();
    const backend = testBackend(name);
    try {
      await backend.exec("true");
      const long = `echo started; sleep 30 # ${"x".repeat(200_000)}`;
      const running = backend.exec(long).catch((error: unknown) => error);
      await waitFor(runs(name, /monoclaw-cmd/), 10_000, "the staged command to run");
      await testDocker.getContainer(name).remove({ force: true });
      const died = await running;
      expect(isBackendError(died, "UNAVAILABLE")).toBe(true);
      expect((died as Error).message).toMatch(new RegExp(`^The container ${name} was removed .*while this command ran`));
    } finally {
      await backend.dispose();
    }
  });

  it("says the container was stopped when it is stopped under a running command", async () => {
    const name = names.next();
    const backend = testBackend(name);
    try {
      await backend.exec("true");
      const running = backend.exec("sleep 30").catch((error: unknown) => error);
      await waitFor(runs(name, /sleep 30/), 10_000, "the command to run");
      await testDocker.getContainer(name).stop({ t: 0 });
      const died = await running;
      expect(isBackendError(died, "UNAVAILABLE")).toBe(true);
      expect((died as Error).message).toMatch(new RegExp(`^The container ${name} was stopped .*while this command ran \\(exit \\d+\\)`));
    } finally {
      await backend.dispose();
    }
  });

  it("tells removed-and-replaced and restarted from a container still running as before", async () => {
    const name = names.next();
    const { a, b } = twoProcesses(name);
    try {
      const id = await a.ensureContainer();
      const startedAt = await containerStartedAt(testDocker, id);
      // Positive control: the same container, never restarted, is no reason.
      expect(await containerLossError(testDocker, { name, containerId: id, startedAt }, 1)).toBeUndefined();

      await testDocker.getContainer(id).restart({ t: 0 });
      expect((await containerLossError(testDocker, { name, containerId: id, startedAt }, 137))?.message).toMatch(
        /was restarted while this command ran \(exit 137\)/,
      );

      await testDocker.getContainer(id).remove({ force: true });
      await b.ensureContainer();
      expect((await containerLossError(testDocker, { name, containerId: id, startedAt }, 137))?.message).toMatch(
        /was removed and replaced by a new one .* while this command ran \(exit 137\)/,
      );
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });
});
