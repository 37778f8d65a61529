import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findSubreaperLauncher } from "./host-subreaper.js";

/** The parent pid of `pid`, from /proc/<pid>/stat (after the command name, which may hold spaces). */
const parentOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, "latin1").split(") ")[1]!.split(" ")[1]);

describe("findSubreaperLauncher", () => {
  it("starts a shell that adopts what it orphans: a double-forked setsid child stays its child, not init's", async () => {
    const launcher = findSubreaperLauncher(process.env.PATH);
    expect(launcher).toBeDefined();
    const [file, args] = launcher!.wrap("/bin/sh", ["-c", "(setsid env -i /bin/sleep 30 & echo $! >&2) 2>&1; sleep 30"]);
    const shell = spawn(file, args, { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const orphan = Number(await new Promise<string>((resolve) => shell.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()))));
      // The subshell that forked it has exited: the orphan was re-parented, to the shell itself.
      await expect.poll(() => parentOf(orphan)).toBe(shell.pid);
      // perl exec'd the shell: no extra process stays between Node and the shell.
      expect(parentOf(shell.pid!)).toBe(process.pid);
      expect(readFileSync(`/proc/${shell.pid}/comm`, "latin1").trim()).toBe("sh");
      process.kill(orphan, "SIGKILL");
    } finally {
      shell.kill("SIGKILL");
    }
  });

  it("passes arguments through literally and reports a program it cannot run", async () => {
    const launcher = findSubreaperLauncher(process.env.PATH)!;
    const run = (program: string, args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const [file, wrapped] = launcher.wrap(program, args);
        const child = spawn(file, wrapped);
        let out = "";
        let err = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk));
        child.stderr.on("data", (chunk: Buffer) => (err += chunk));
        child.once("close", (code) => resolve({ code, out, err }));
      });
    expect(await run("/bin/sh", ["-c", 'printf "%s|" "$0" "$@"', "zero", "a b", "-e", "$HOME", "--"])).toEqual({
      code: 0,
      out: "zero|a b|-e|$HOME|--|",
      err: "",
    });
    const missing = await run("/nonexistent/monoclaw-shell", ["-c", "true"]);
    expect(missing.code).toBe(127);
    expect(missing.err).toContain("monoclaw: cannot run /nonexistent/monoclaw-shell");
  });

  it("is not offered where it cannot work: not Linux, an unknown architecture, no perl on PATH", () => {
    expect(findSubreaperLauncher(process.env.PATH, "darwin")).toBeUndefined();
    expect(findSubreaperLauncher(process.env.PATH, "linux", "sparc")).toBeUndefined();
    expect(findSubreaperLauncher("/nonexistent-bin")).toBeUndefined();
    expect(findSubreaperLauncher(process.env.PATH, "linux", process.arch)).toBeDefined();
  });
});
