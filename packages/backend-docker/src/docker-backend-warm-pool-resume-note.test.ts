import { afterAll, describe, expect, it } from "vitest";
import { LABEL_POOL } from "./container/container-labels.js";
import { createWarmPoolKeeper } from "./container/warm-pool-keeper.js";
import type { DockerBackend } from "./docker-backend.js";
import { testDocker, text } from "./docker.test-helpers.js";
import { poolTestSession, removePoolTestContainers } from "./warm-pool.test-helpers.js";

/**
 * `--resume` of a session whose container is gone gets a new container with a
 * note saying what was lost, also when that container is a member the
 * process's warm pool held. Real engine, `network: none`.
 */
const tag = `mc-test-resumenote-${process.pid}`;
const keeper = createWarmPoolKeeper();
afterAll(async () => {
  await keeper.close();
  await removePoolTestContainers(tag);
});

const session = (id: string, resumed: boolean, log: (message: string) => void = () => undefined): DockerBackend =>
  poolTestSession(tag, id, { session: { id, resumed }, warmPoolKeeper: keeper, log });

describe("a resumed session whose container is gone", () => {
  it("tells a resumed session its container is new when it gets a held member", async () => {
    const first = session(`${tag}-first`, false);
    await first.exec("true");
    await keeper.settled();
    await first.dispose();

    const messages: string[] = [];
    const resumed = session(`${tag}-gone`, true, (message) => messages.push(message));
    try {
      expect(text((await resumed.exec("echo ran")).stdout.head)).toBe("ran\n");
      // Positive control: it did get the held member.
      expect((await testDocker.getContainer(await resumed.ensureContainer()).inspect()).Config.Labels?.[LABEL_POOL]).toBe("true");
      expect(messages.join("\n")).toContain(`Session ${tag}-gone's container ${resumed.containerName} no longer exists: starting a new one`);
    } finally {
      await resumed.dispose();
    }
  }, 60_000);
});
