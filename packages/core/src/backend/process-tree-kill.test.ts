import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/** Starts `sh -c script` with the marker, not waiting for it; returns once `expected` marked processes run. */
async function startTree(marker: string, script: string, expected: number): Promise<void> {
  const child = spawn("/bin/sh", ["-c", script], { env: { ...process.env, ...runMarkerEnv(marker) }, stdio: "ignore", detached: true });
  child.unref();
  await waitFor(() => markedPids(marker).length >= expected);
}

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
    await startTree(
      target,
      "sleep 600 & setsid sleep 600 & (trap '' HUP TERM; exec sleep 600) & sh -c 'sleep 600 &'; sleep 600",
      6,
    );
    const code = await runLocalScript(processTreeKillScript({ marker: target, graceMs: 300 }));
    expect(code).toBe(0);
    expect(markedPids(target)).toEqual([]);
    expect(markedPids(bystander)).toHaveLength(1);
    expect(await runLocalScript(processTreeKillScript({ marker: parent, graceMs: 300 }))).toBe(0);
    expect(markedPids(bystander)).toEqual([]);
  });

  it("works with busybox sh and busybox applets only (as in an Alpine or busybox container)", async () => {
    // busybox grep stops at the first NUL of a line unless told -z: this catches that.
    const bin = mkdtempSync(join(tmpdir(), "monoclaw-busybox-bin-"));
    try {
      for (const applet of ["sh", "grep", "sleep", "kill"]) symlinkSync("/bin/busybox", join(bin, applet));
      const marker = newRunMarker();
      await startTree(marker, "sleep 600 & setsid sleep 600 & sleep 600", 3);
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(join(bin, "sh"), ["-c", processTreeKillScript({ marker, graceMs: 300 })], { env: { PATH: bin }, stdio: "ignore" });
        child.once("exit", resolve);
      });
      expect(code).toBe(0);
      expect(markedPids(marker)).toEqual([]);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
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
