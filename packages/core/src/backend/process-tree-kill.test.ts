import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { hostPidsWhere, waitFor } from "./host-processes.test-helpers.js";
import { runLocalScript } from "./local-script.js";
import { processTreeKillScript } from "./process-tree-kill.js";
import { assertRunMarker, childRunMarker, newRunMarker, runMarkerEnv } from "./run-marker.js";

/** Pids of host processes whose environment carries exactly this marker value. */
function markedPids(marker: string): number[] {
  const needle = `MONOCLAW_RUN_ID=${marker}\0`;
  return hostPidsWhere("environ", (environ) => environ.includes(needle));
}

/** Pids of host processes having `n` as a whole argument (found by command line, whatever their environment). */
function pidsWithArgument(n: number): number[] {
  const needle = `\0${n}\0`;
  return hostPidsWhere("cmdline", (cmdline) => `\0${cmdline}`.includes(needle));
}

/** Starts `sh -c script` with the marker, not waiting for it; returns once `expected` marked processes run. */
async function startTree(marker: string, script: string, expected: number): Promise<number> {
  const child = spawn("/bin/sh", ["-c", script], { env: { ...process.env, ...runMarkerEnv(marker) }, stdio: "ignore", detached: true });
  child.unref();
  await waitFor(() => markedPids(marker).length >= expected);
  return child.pid!;
}

/** Starts `sh -c script` with the marker, returns its pid once `expected` processes have `n` as an argument. */
async function startUnmarkedTree(marker: string, script: string, n: number, expected: number): Promise<number> {
  const child = spawn("/bin/sh", ["-c", script], { env: { ...process.env, ...runMarkerEnv(marker) }, stdio: "ignore", detached: true });
  child.unref();
  await waitFor(() => pidsWithArgument(n).length >= expected);
  return child.pid!;
}

let nextN = 0;
/** A sleep argument no other test uses. */
const uniqueN = (): number => 41_000_000 + process.pid * 100 + nextN++;

describe("run markers", () => {
  it("are unique, dot-terminated, and children extend their parent", () => {
    const a = newRunMarker();
    expect(a).toMatch(/^mc[0-9a-f]{12}\.$/);
    expect(newRunMarker()).not.toBe(a);
    expect(childRunMarker(childRunMarker(a, "s1"), 7)).toBe(`${a}s1.7.`);
  });

  it("nest under an inherited marker, so killing the outer command ends the inner one's processes", () => {
    const outer = newRunMarker();
    const inner = newRunMarker(outer);
    expect(inner.startsWith(outer)).toBe(true);
    expect(inner).toMatch(/^mc[0-9a-f]{12}\.mc[0-9a-f]{12}\.$/);
    expect(newRunMarker("not a marker")).toMatch(/^mc[0-9a-f]{12}\.$/);
  });

  it("reject values that are unsafe in a script", () => {
    expect(() => assertRunMarker("x'; rm -rf /; '.")).toThrow(/Invalid run marker/);
    expect(() => assertRunMarker("no-trailing-dot")).toThrow(/Invalid run marker/);
  });
});

describe("processTreeKillScript", () => {
  it("ends setsid, nohup-style (TERM ignored) and double-forked processes, and only those with the marker", async () => {
    const parent = newRunMarker();
    const target = childRunMarker(parent, 1);
    const bystander = childRunMarker(parent, 10); // "…1." must not match "…10."
    await startTree(bystander, "exec sleep 600", 1);
    await startTree(target, "sleep 600 & setsid sleep 600 & (trap '' HUP TERM; exec sleep 600) & sh -c 'sleep 600 &'; sleep 600", 6);
    const code = await runLocalScript(processTreeKillScript({ marker: target, graceMs: 300 }));
    expect(code).toBe(0);
    expect(markedPids(target)).toEqual([]);
    expect(markedPids(bystander)).toHaveLength(1);
    expect(await runLocalScript(processTreeKillScript({ marker: parent, graceMs: 300 }))).toBe(0);
    expect(markedPids(bystander)).toEqual([]);
  });

  for (const [label, applets] of [
    ["without awk (the shell scan)", ["sh", "grep", "sleep", "kill"]],
    ["with busybox awk", ["sh", "grep", "sleep", "kill", "awk", "cat", "tr"]],
  ] as const) {
    it(`works with busybox sh and busybox applets only (as in an Alpine or busybox container), ${label}`, async () => {
      // busybox grep stops at the first NUL of a line unless told -z: this catches that.
      const bin = mkdtempSync(join(tmpdir(), "monoclaw-busybox-bin-"));
      try {
        for (const applet of applets) symlinkSync("/bin/busybox", join(bin, applet));
        const marker = newRunMarker();
        const n = uniqueN();
        await startTree(marker, `sleep 600 & setsid sleep 600 & env -i /bin/sleep ${n} & sleep 600`, 3);
        await waitFor(() => pidsWithArgument(n).length === 1);
        const code = await new Promise<number | null>((resolve) => {
          const child = spawn(join(bin, "sh"), ["-c", processTreeKillScript({ marker, graceMs: 300 })], { env: { PATH: bin }, stdio: "ignore" });
          child.once("exit", resolve);
        });
        expect(code).toBe(0);
        expect(markedPids(marker)).toEqual([]);
        expect(pidsWithArgument(n)).toEqual([]);
      } finally {
        rmSync(bin, { recursive: true, force: true });
      }
    });
  }

  it("ends children that cleared their environment or unset the marker while their parent lives (env -i, env -u)", async () => {
    const marker = newRunMarker();
    const n = uniqueN();
    await startUnmarkedTree(
      marker,
      `env -i /bin/sleep ${n} & env -u MONOCLAW_RUN_ID sleep ${n} & (trap '' TERM; exec env -i /bin/sleep ${n}) & exec sleep ${n}`,
      n,
      4,
    );
    expect(markedPids(marker).length).toBe(1); // only the foreground carries the marker: the others are found as its descendants
    expect(await runLocalScript(processTreeKillScript({ marker, graceMs: 300 }))).toBe(0);
    expect(pidsWithArgument(n)).toEqual([]);
  });

  it("ends every member of the shell's session, also once re-parented to init, and what the held shell's children moved to a new session (sessionId, holdPid)", async () => {
    const marker = newRunMarker();
    const n = uniqueN();
    // setsid: the shell leads its own session, as the host backend starts it.
    const shell = await startUnmarkedTree(
      marker,
      `(env -i /bin/sleep ${n} &); (trap '' TERM; exec env -i /bin/sleep ${n}) & exec setsid -w sh -c 'sleep ${n}'`,
      n,
      3,
    );
    const sid = Number(readFileSync(`/proc/${shell}/stat`, "latin1").split(") ")[1]!.split(" ")[3]);
    expect(sid).toBe(shell);
    const started = performance.now();
    expect(await runLocalScript(processTreeKillScript({ marker, graceMs: 500, sessionId: sid, holdPid: shell }))).toBe(0);
    expect(pidsWithArgument(n)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("ends a reaper's children started within the window that carry no other marker (adoptedBy), never older ones, tagged ones or the reaper", async () => {
    const marker = newRunMarker();
    const other = newRunMarker();
    const older = uniqueN();
    const newer = uniqueN();
    const tagged = uniqueN();
    const reaper = spawn(
      "/bin/sh",
      ["-c", `env -i /bin/sleep ${older} & read go; env -i /bin/sleep ${newer} & env -i MONOCLAW_RUN_ID=${other} /bin/sleep ${tagged} & wait`],
      {
        stdio: ["pipe", "ignore", "ignore"],
        detached: true,
      },
    );
    try {
      await waitFor(() => pidsWithArgument(older).length === 1);
      await new Promise((resolve) => setTimeout(resolve, 2500)); // the older child must predate the window and its one-second margin
      const windowStart = performance.now();
      reaper.stdin!.write("go\n");
      await waitFor(() => pidsWithArgument(newer).length === 1 && pidsWithArgument(tagged).length === 1);
      const adoptedBy = { reaperPids: [reaper.pid!], startedWithinMs: performance.now() - windowStart };
      expect(await runLocalScript(processTreeKillScript({ marker, graceMs: 300, adoptedBy }))).toBe(0);
      expect(pidsWithArgument(newer)).toEqual([]);
      expect(pidsWithArgument(older)).toHaveLength(1);
      expect(pidsWithArgument(tagged)).toHaveLength(1);
      expect(reaper.exitCode).toBeNull();
    } finally {
      for (const pid of [...pidsWithArgument(older), ...pidsWithArgument(tagged)]) process.kill(pid, "SIGKILL");
      reaper.kill("SIGKILL");
    }
  });

  it("freezes and kills a loop that forks faster than it is killed (TERM ignored, children with a cleared environment), and resolves promptly", async () => {
    const marker = newRunMarker();
    const n = uniqueN();
    await startUnmarkedTree(marker, `trap '' TERM; while :; do env -i /bin/sleep ${n} & done`, n, 30);
    const started = performance.now();
    expect(await runLocalScript(processTreeKillScript({ marker, graceMs: 300 }))).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(pidsWithArgument(n)).toEqual([]);
  });

  it("sends signalFirst before the scan", async () => {
    const marker = newRunMarker();
    const victim = spawn("/bin/sh", ["-c", "trap 'exit 7' USR1; echo ready; while :; do sleep 0.05; done"], { stdio: ["ignore", "pipe", "ignore"] });
    const exited = new Promise<number | null>((resolve) => victim.once("exit", (code) => resolve(code)));
    await new Promise((resolve) => victim.stdout.once("data", resolve)); // the trap is installed
    await runLocalScript(processTreeKillScript({ marker, signalFirst: { pid: victim.pid!, signal: "USR1" } }));
    expect(await exited).toBe(7);
  });

  it("validates its options", () => {
    expect(() => processTreeKillScript({ marker: "bad" })).toThrow(/Invalid run marker/);
    expect(() => processTreeKillScript({ marker: newRunMarker(), graceMs: -1 })).toThrow(/graceMs/);
    expect(() => processTreeKillScript({ marker: newRunMarker(), signalFirst: { pid: 1, signal: "USR1" } })).toThrow(/pid/);
  });
});
