import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostWorkspace } from "../agent/agent.test-helpers.js";
import { BackendError } from "../backend/backend-error.js";
import type { ShellSession } from "../backend/execution-backend.js";
import { createBashTool } from "./bash-tool.js";
import { createToolOutputStore } from "./tool-output-store.js";
import { runTool } from "./tools.test-helpers.js";

let workspace: Awaited<ReturnType<typeof hostWorkspace>>;
beforeEach(async () => {
  workspace = await hostWorkspace();
});
afterEach(async () => {
  await workspace.cleanup();
});

/** This process's open descriptors on files under `dir` (deleted ones included: they hold their disk space until closed). */
const descriptorsUnder = (dir: string): string[] =>
  readdirSync("/proc/self/fd")
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return "";
      }
    })
    .filter((target) => target.startsWith(dir));

/**
 * A real host shell session whose command output flows as usual, after which
 * `exec` fails the way the Docker backend's does when the engine goes away
 * mid-command (mom's soak restarts the engine under 50 MB outputs).
 */
async function sessionLostAfterOutput(seen: { openWhileRunning?: number; dir: string }): Promise<ShellSession> {
  const real = await workspace.backend.openSession();
  return {
    async exec(command, options) {
      await real.exec(command, options);
      seen.openWhileRunning = descriptorsUnder(seen.dir).length;
      throw new BackendError("UNAVAILABLE", "The Docker engine stopped answering while running a command");
    },
    close: () => real.close(),
  };
}

describe("the bash tool's spill file when the command fails", () => {
  it("closes the spill file when exec fails after a long output, so no deleted file keeps its disk space", async () => {
    const store = createToolOutputStore();
    const seen: { openWhileRunning?: number; dir: string } = { dir: store.directory };
    const session = await sessionLostAfterOutput(seen);
    const run = runTool(createBashTool(), { command: "head -c 3000000 /dev/zero | tr '\\0' 'x'" }, workspace.backend, { outputStore: store, session });
    await expect(run).rejects.toThrow(/stopped answering/);
    // Positive control: the output did spill to a file, open while the command ran.
    expect(seen.openWhileRunning).toBe(1);
    expect(descriptorsUnder(store.directory)).toEqual([]);
    await session.close();
    store.dispose();
    expect(existsSync(store.directory)).toBe(false);
  });
});
