import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawnCliInPty } from "../agent/cli-process.test-helpers.js";
import { createTestHome, isProcessAlive, readPid, runBin, startBin, waitFor, type TestHome } from "../cli.test-helpers.js";

let t: TestHome;
beforeEach(() => {
  t = createTestHome();
  t.writeConfig(`terminal:\n  backend: host\n  cwd: ${t.workdir}\n`);
});
afterEach(() => t.remove());

const run = (args: string[], input?: string) => runBin(args, { env: t.env, cwd: t.root, ...(input === undefined ? {} : { input }) });

describe("monoclaw exec on the host backend", () => {
  it("exits with the command's exit code: 0, 1 and 42", async () => {
    expect(await run(["exec", "--", "echo", "hi"])).toMatchObject({ code: 0, stdout: "hi\n", stderr: "" });
    expect(await run(["exec", "--", "false"])).toMatchObject({ code: 1, stdout: "" });
    expect(await run(["exec", "--", "exit 42"])).toMatchObject({ code: 42 });
  });

  it("keeps stdout and stderr apart and passes arguments through without --", async () => {
    const result = await run(["exec", "--", "echo out; echo err >&2; printf tail"]);
    expect(result).toMatchObject({ code: 0, stdout: "out\ntail", stderr: "err\n" });
    expect(await run(["exec", "ls", "-a", "."])).toMatchObject({ code: 0, stdout: ".\n..\n" });
  });

  it("runs several words as an argument vector, as docker exec does, and one word as a command line", async () => {
    expect(await run(["exec", "--", "sh", "-c", "echo a; echo b"])).toMatchObject({ code: 0, stdout: "a\nb\n" });
    expect(await run(["exec", "--", "printf", "[%s]", "two words", "$HOME", "*"])).toMatchObject({ code: 0, stdout: "[two words][$HOME][*]" });
    expect(await run(["exec", "echo a; echo b"])).toMatchObject({ code: 0, stdout: "a\nb\n" });
  });

  it("runs in terminal.cwd, and --cwd relative to it; a missing --cwd is a usage error", async () => {
    mkdirSync(join(t.workdir, "sub"));
    expect(await run(["exec", "--", "pwd"])).toMatchObject({ code: 0, stdout: `${t.workdir}\n` });
    expect(await run(["exec", "--cwd", "sub", "--", "pwd"])).toMatchObject({ code: 0, stdout: `${join(t.workdir, "sub")}\n` });
    const missing = await run(["exec", "--cwd", "nope", "--", "pwd"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^monoclaw: .*nope.*\n$/);
  });

  it("streams output while the command still runs", async () => {
    const go = join(t.root, "go");
    const running = startBin(["exec", "--", `echo first; while [ ! -e '${go}' ]; do sleep 0.05; done; echo second`], { env: t.env, cwd: t.root });
    await running.waitForStdout("first\n");
    expect(running.stdout()).toBe("first\n");
    writeFileSync(go, "");
    expect(await running.exited).toMatchObject({ code: 0, stdout: "first\nsecond\n" });
  });

  it("passes standard input with --stdin", async () => {
    expect(await run(["exec", "--stdin", "--", "tr a-z A-Z"], "hello\n")).toMatchObject({ code: 0, stdout: "HELLO\n" });
  });

  it("ends a command that outlives --timeout with exit 124, leaving no process behind", async () => {
    const shPid = join(t.root, "sh.pid");
    const bgPid = join(t.root, "bg.pid");
    const result = await run(["exec", "--timeout", "1", "--", `echo $$ > '${shPid}'; sleep 300 & echo $! > '${bgPid}'; echo started; wait`]);
    expect(result.code).toBe(124);
    expect(result.stdout).toBe("started\n");
    expect(result.stderr).toContain("monoclaw: the command timed out after 1 s and was ended");
    for (const pid of [readPid(shPid), readPid(bgPid)]) await waitFor(() => !isProcessAlive(pid), `process ${pid} to end`);
  });

  it("uses terminal.timeout from the config", async () => {
    t.writeConfig(`terminal:\n  backend: host\n  cwd: ${t.workdir}\n  timeout: 0.5\n`);
    const result = await run(["exec", "--", "sleep 300"]);
    expect(result.code).toBe(124);
    expect(result.stderr).toContain("timed out after 0.5 s");
  });

  it("aborts on SIGINT (Ctrl-C) with exit 130, leaving no process behind", async () => {
    const shPid = join(t.root, "sh.pid");
    const bgPid = join(t.root, "bg.pid");
    const running = startBin(["exec", "--", `echo $$ > '${shPid}'; sleep 300 & echo $! > '${bgPid}'; echo ready; wait`], { env: t.env, cwd: t.root });
    await running.waitForStdout("ready\n");
    expect(existsSync(bgPid)).toBe(true);
    running.child.kill("SIGINT");
    const result = await running.exited;
    expect(result.code).toBe(130);
    for (const pid of [readPid(shPid), readPid(bgPid)]) await waitFor(() => !isProcessAlive(pid), `process ${pid} to end`);
  });

  it("ends the command when its reader goes away (a broken pipe), exit 141, no stack trace, no process left", async () => {
    const shPid = join(t.root, "sh.pid");
    const running = startBin(["exec", "--", `echo $$ > '${shPid}'; while :; do echo y; done`], { env: t.env, cwd: t.root });
    await running.waitForStdout("y\n");
    running.child.stdout.destroy();
    const result = await running.exited;
    expect(result.code).toBe(141);
    expect(result.stderr).toBe("");
    const pid = readPid(shPid);
    await waitFor(() => !isProcessAlive(pid), `process ${pid} to end`);
  });

  it("ends the command on Ctrl-C typed at a real terminal, exit 130, nothing left behind", async () => {
    const bgPid = join(t.root, "bg.pid");
    const terminal = spawnCliInPty(["exec", "--", `sleep 300 & echo $! > '${bgPid}'; echo ready; wait`], { env: t.env, cwd: t.root });
    try {
      await terminal.waitFor(/ready/);
      terminal.write("\u0003");
      expect(await terminal.exited).toBe(130);
      const pid = readPid(bgPid);
      await waitFor(() => !isProcessAlive(pid), `process ${pid} to end`);
    } finally {
      terminal.kill();
    }
  });

  it("aborts on SIGTERM with exit 143, leaving no process behind", async () => {
    const bgPid = join(t.root, "bg.pid");
    const running = startBin(["exec", "--", `sleep 300 & echo $! > '${bgPid}'; echo ready; wait`], { env: t.env, cwd: t.root });
    await running.waitForStdout("ready\n");
    running.child.kill("SIGTERM");
    expect((await running.exited).code).toBe(143);
    const pid = readPid(bgPid);
    await waitFor(() => !isProcessAlive(pid), `process ${pid} to end`);
  });
});
