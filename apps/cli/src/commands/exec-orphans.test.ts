import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestHome, isProcessAlive, readPid, runBin, startBin, waitFor, type TestHome } from "../cli.test-helpers.js";

let t: TestHome;
beforeEach(() => {
  t = createTestHome();
  t.writeConfig(`terminal:\n  backend: host\n  cwd: ${t.workdir}\n`);
});
afterEach(() => t.remove());

/** Starts `monoclaw exec` with a command that leaves a background job and a foreground sleep; resolves with the CLI and both pids. */
async function startTree(name: string) {
  const bg = join(t.root, `${name}-bg.pid`);
  const fg = join(t.root, `${name}-fg.pid`);
  const cli = startBin(["exec", "--", `sleep 300 & echo $! > '${bg}'; echo $$ > '${fg}'; echo started; sleep 300`], { env: t.env, cwd: t.root });
  await cli.waitForStdout("started\n");
  return { cli, pids: [readPid(bg), readPid(fg)] };
}

describe("monoclaw exec killed with SIGKILL", () => {
  it("leaves a tree the next monoclaw exec ends, while a live monoclaw's commands are left alone", async () => {
    const killed = await startTree("killed");
    const live = await startTree("live");
    killed.cli.child.kill("SIGKILL");
    await killed.cli.exited;
    // Positive control: nothing ended them yet.
    for (const pid of killed.pids) expect(isProcessAlive(pid)).toBe(true);

    expect(await runBin(["exec", "--", "echo next"], { env: t.env, cwd: t.root })).toMatchObject({ code: 0, stdout: "next\n" });
    for (const pid of killed.pids) await waitFor(() => !isProcessAlive(pid), `orphaned process ${pid} to be ended`, 10_000);
    // The running monoclaw's command is still there.
    for (const pid of live.pids) expect(isProcessAlive(pid)).toBe(true);
    live.cli.child.kill("SIGTERM");
    await live.cli.exited;
    for (const pid of live.pids) await waitFor(() => !isProcessAlive(pid), `process ${pid} to end with its monoclaw`);
  }, 60_000);
});
