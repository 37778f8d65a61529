import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isBackendError } from "./backend-error.js";
import { childProcessShellTransport } from "./child-process-shell-transport.js";
import type { ShellSession } from "./execution-backend.js";
import { hostPidsWhere, waitFor } from "./host-processes.test-helpers.js";
import { runLocalScript } from "./local-script.js";
import { capturedText } from "./output-capture.js";
import { RUN_MARKER_VARIABLE, childRunMarker, newRunMarker } from "./run-marker.js";
import { openShellSession, type ShellSessionProtocolOptions } from "./shell-session.js";
import type { OpenShellTransport } from "./shell-transport.js";

const dir = mkdtempSync(join(tmpdir(), "monoclaw-session-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SHELLS: Array<[string, string, string[]]> = [
  ["dash", "/bin/dash", ["-s"]],
  ["bash", "/bin/bash", ["--noprofile", "--norc", "-s"]],
  ["busybox sh", "/bin/busybox", ["sh", "-s"]],
];

/** Hands the protocol every chunk one byte at a time: the worst case for finding sentinels. */
function byteByByte(open: OpenShellTransport): OpenShellTransport {
  return (events, env) =>
    open(
      {
        stdout: (chunk) => chunk.forEach((_, i) => events.stdout(chunk.subarray(i, i + 1))),
        stderr: (chunk) => chunk.forEach((_, i) => events.stderr(chunk.subarray(i, i + 1))),
        exit: events.exit,
      },
      env,
    );
}

function open(command: string, args: string[], overrides: Partial<ShellSessionProtocolOptions> = {}): Promise<ShellSession> {
  return openShellSession({
    openTransport: childProcessShellTransport({ command, args, cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } }),
    runKillScript: async (script) => void (await runLocalScript(script)),
    marker: childRunMarker(newRunMarker(), "s1"),
    defaultTimeoutMs: 60_000,
    stuckAfterMs: 1000,
    ...overrides,
  });
}

/** A `runKillScript` that runs the script on the host and counts the kills from outside the shell. */
function countingKills(): { run: ShellSessionProtocolOptions["runKillScript"]; count: () => number } {
  let count = 0;
  return {
    run: async (script) => {
      count++;
      await runLocalScript(script);
    },
    count: () => count,
  };
}

/** Host processes having `n` as a whole argument (`sleep <n>`). */
function withArgument(n: number): number[] {
  return hostPidsWhere("cmdline", (cmdline) => cmdline.split("\0").includes(String(n)));
}

const out = async (session: ShellSession, command: string): Promise<string> => capturedText((await session.exec(command)).stdout);

describe.each(SHELLS)("shell session protocol on %s", (_name, command, args) => {
  it("undoes exec redirections of stdout/stderr and never lets a command read the protocol", async () => {
    const session = await open(command, args);
    try {
      expect(await out(session, `exec >'${dir}/redirected' 2>&1; echo hidden`)).toBe("");
      expect(await out(session, "echo visible again")).toBe("visible again\n");
      expect(await out(session, 'read line; echo "[$line]"; cat')).toBe("[]\n");
      expect(await out(session, "echo still in sync")).toBe("still in sync\n");
    } finally {
      await session.close();
    }
  });

  it("passes text that looks like the protocol through literally", async () => {
    const session = await open(command, args);
    try {
      const tricky = "__MC'\"$(echo x)`echo y` \\n %s __mc_r";
      expect(await out(session, `printf '%s' '${tricky.replaceAll("'", "'\\''")}'`)).toBe(tricky);
      expect(await out(session, 'echo "[$1][$#]"')).toBe("[][0]\n");
      const shown = await session.exec("set; type __mc_r 2>&1 || true");
      expect(shown.exitCode).toBe(0);
      expect(await out(session, "echo after set")).toBe("after set\n");
    } finally {
      await session.close();
    }
  });

  it("finds sentinels when every byte arrives in its own chunk", async () => {
    const session = await open(command, args, {
      openTransport: byteByByte(childProcessShellTransport({ command, args, cwd: dir, env: { PATH: process.env.PATH ?? "/bin" } })),
    });
    try {
      const result = await session.exec("printf 'a\\nb'; printf 'c' >&2; exit_status=3; (exit 3)");
      expect(capturedText(result.stdout)).toBe("a\nb");
      expect(capturedText(result.stderr)).toBe("c");
      expect(result.exitCode).toBe(3);
      expect(await out(session, "cd /; pwd")).toBe("/\n");
    } finally {
      await session.close();
    }
  });

  it("moves 5 MB of output exactly", async () => {
    const session = await open(command, args);
    try {
      const result = await session.exec("head -c 5242880 /dev/zero | tr '\\0' x", { maxOutputBytes: 8 * 1024 * 1024 });
      expect(result.stdout.totalBytes).toBe(5 * 1024 * 1024);
      expect(capturedText(result.stdout)).toBe("x".repeat(5 * 1024 * 1024));
    } finally {
      await session.close();
    }
  });

  it("a timeout ends the subshells the command forked, not an earlier command's background job", async () => {
    const session = await open(command, args);
    const earlier = 31_000_000 + Math.floor(Math.random() * 1_000_000);
    const current = earlier + 1_000_000;
    try {
      await session.exec(`(while :; do sleep ${earlier}; done) >/dev/null 2>&1 &`);
      await waitFor(() => withArgument(earlier).length === 1);
      const result = await session.exec(`(while :; do sleep ${current}; done) >/dev/null 2>&1 & sleep ${current}`, { timeoutMs: 500 });
      expect(result).toMatchObject({ timedOut: true, exitCode: 124 });
      await waitFor(() => withArgument(current).length === 0);
      expect(withArgument(earlier)).toHaveLength(1);
    } finally {
      await session.close();
    }
    await waitFor(() => withArgument(earlier).length === 0);
  });

  it("close ends the shell's background jobs from inside it, marker kept or cleared and PATH changed, with no kill from outside", async () => {
    const outside = countingKills();
    const session = await open(command, args, { runKillScript: outside.run });
    const marked = 33_000_000 + Math.floor(Math.random() * 1_000_000);
    const cleared = marked + 1_000_000;
    const shellPid = Number((await out(session, "echo $$")).trim());
    await session.exec(`sleep ${marked} >/dev/null 2>&1 & env -u ${RUN_MARKER_VARIABLE} sleep ${cleared} >/dev/null 2>&1 &`);
    // The script's tools come from the standard PATH, whatever a command left in the shell's.
    await session.exec("export PATH=/nonexistent");
    await waitFor(() => withArgument(marked).length === 1 && withArgument(cleared).length === 1);
    // Positive control: one job carries the marker, the other does not.
    const carriers = hostPidsWhere("environ", (environ) => environ.includes(`${RUN_MARKER_VARIABLE}=`));
    expect(carriers).toContain(withArgument(marked)[0]);
    expect(carriers).not.toContain(withArgument(cleared)[0]);
    await session.close();
    await waitFor(() => withArgument(marked).length === 0 && withArgument(cleared).length === 0 && !existsSync(`/proc/${shellPid}`));
    expect(outside.count()).toBe(0);
  });

  it("close spills nothing a chatty background job writes while the shell ends itself, and ends the job", async () => {
    const spills = mkdtempSync(join(dir, "spills-"));
    const outside = countingKills();
    const session = await open(command, args, { runKillScript: outside.run, spillDirectory: spills });
    await session.exec("/usr/bin/yes chatty &");
    await waitFor(() => hostPidsWhere("cmdline", (cmdline) => cmdline === "/usr/bin/yes\0chatty\0").length === 1);
    await session.close();
    await waitFor(() => hostPidsWhere("cmdline", (cmdline) => cmdline === "/usr/bin/yes\0chatty\0").length === 0);
    expect(readdirSync(spills, { recursive: true })).toEqual([]);
    expect(outside.count()).toBe(0);
  });

  it("close clears the shell's EXIT trap before it exits: nothing starts after the last scan", async () => {
    const outside = countingKills();
    const session = await open(command, args, { runKillScript: outside.run });
    const n = 39_000_000 + Math.floor(Math.random() * 1_000_000);
    const marks = join(dir, `exit-trap-${n}`);
    // Positive control: the trap is set, and it runs when the shell exits by itself.
    await session.exec(`trap 'echo ran >>${marks}; sleep ${n} >/dev/null 2>&1 &' EXIT`);
    expect(await out(session, "trap")).toContain(`sleep ${n}`);
    await session.close();
    expect(outside.count()).toBe(0);
    expect(existsSync(marks)).toBe(false);
    expect(withArgument(n)).toHaveLength(0);
  });

  it("close kills a running command from outside, then its shell", async () => {
    const outside = countingKills();
    const session = await open(command, args, { runKillScript: outside.run });
    const n = 35_000_000 + Math.floor(Math.random() * 1_000_000);
    const running = session.exec(`sleep ${n}`);
    await waitFor(() => withArgument(n).length === 1);
    await session.close();
    expect((await running).aborted).toBe(true);
    expect(withArgument(n)).toHaveLength(0);
    expect(outside.count()).toBe(1);
  });

  it("re-opens the shell when its USR1 trap was taken over and the command never yields", async () => {
    const session = await open(command, args);
    try {
      await session.exec("cd /");
      const result = await session.exec("trap '' USR1; while :; do :; done", { timeoutMs: 500 });
      expect(result).toMatchObject({ timedOut: true, exitCode: 124, sessionReset: true });
      expect(await out(session, "pwd")).toBe(`${dir}\n`);
    } finally {
      await session.close();
    }
  });
});

describe("openShellSession", () => {
  it("rejects stdin when the backend cannot stage it, and commands after close", async () => {
    const session = await open("/bin/sh", ["-s"]);
    const error = await session.exec("cat", { stdin: "x" }).catch((e: unknown) => e);
    expect(isBackendError(error, "INVALID")).toBe(true);
    await session.close();
    const closed = await session.exec("true").catch((e: unknown) => e);
    expect(isBackendError(closed, "UNAVAILABLE")).toBe(true);
    await session.close(); // idempotent
  });

  it("reads stdin from the staged file", async () => {
    const session = await open("/bin/sh", ["-s"], {
      stageStdin: async (data) => {
        const path = join(dir, "staged-stdin");
        await writeFile(path, data);
        return { path, release: async () => undefined };
      },
    });
    try {
      expect(capturedText((await session.exec("cat; echo", { stdin: "staged" })).stdout)).toBe("staged\n");
    } finally {
      await session.close();
    }
  });

  it("rejects invalid env names and NUL bytes with INVALID", async () => {
    const session = await open("/bin/sh", ["-s"]);
    try {
      expect(isBackendError(await session.exec("true", { env: { "BAD-NAME": "x" } }).catch((e: unknown) => e), "INVALID")).toBe(true);
      expect(isBackendError(await session.exec("echo a\0b").catch((e: unknown) => e), "INVALID")).toBe(true);
      expect(await out(session, "echo fine")).toBe("fine\n");
    } finally {
      await session.close();
    }
  });

  it("close kills from outside when a command redefined exec so the shell cannot end itself (bash)", async () => {
    const outside = countingKills();
    const session = await open("/bin/bash", ["--noprofile", "--norc", "-s"], { runKillScript: outside.run });
    const n = 37_000_000 + Math.floor(Math.random() * 1_000_000);
    await session.exec(`sleep ${n} >/dev/null 2>&1 & exec() { return 1; }`);
    await waitFor(() => withArgument(n).length === 1);
    await session.close();
    await waitFor(() => withArgument(n).length === 0);
    expect(outside.count()).toBe(1);
  });

  it("re-opens a shell that ended while idle and says the state was reset", async () => {
    const session = await open("/bin/sh", ["-s"]);
    try {
      const shellPid = Number((await out(session, "cd /tmp; export KEPT=1; echo $$")).trim());
      process.kill(shellPid, "SIGKILL");
      await waitFor(() => !existsSync(`/proc/${shellPid}`));
      const result = await session.exec('pwd; echo "[$KEPT]"');
      expect(result.sessionReset).toBe(true);
      expect(capturedText(result.stdout)).toBe(`${dir}\n[]\n`);
      // Reported once: the next command runs in the new shell as usual.
      expect((await session.exec("true")).sessionReset).toBeUndefined();
    } finally {
      await session.close();
    }
  });

  it("fails to open with UNAVAILABLE when the shell cannot start", async () => {
    const error = await open("/nonexistent/shell", ["-s"]).catch((e: unknown) => e);
    expect(isBackendError(error, "UNAVAILABLE")).toBe(true);
    expect((error as Error).message).toContain("/nonexistent/shell");
  });
});
