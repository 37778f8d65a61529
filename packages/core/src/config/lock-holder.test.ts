import { spawn } from "node:child_process";
import { readlinkSync, readFileSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { formatLockHolder, holderStatus, isSameNamespace, newLockHolder, parseLockHolder, processStartTime } from "./lock-holder.js";

describe("lock holder records", () => {
  it("names this process by host, boot, pid namespace, pid and start time, with a fresh token each time", () => {
    const holder = newLockHolder();
    expect(holder).toMatchObject({
      host: hostname(),
      boot: readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(),
      pidNamespace: readlinkSync("/proc/self/ns/pid"),
      pid: process.pid,
    });
    expect(holder.startTime).toMatch(/^\d+$/);
    expect(newLockHolder().token).not.toBe(holder.token);
    expect(parseLockHolder(formatLockHolder(holder))).toEqual(holder);
    expect(formatLockHolder(holder)).toMatch(/^\{.*\}\n$/);
  });

  it("reads no holder from a bare pid, a partial write or a record with fields of the wrong type", () => {
    const holder = newLockHolder();
    const text = formatLockHolder(holder);
    for (const bad of ["", "4242\n", text.slice(0, 20), "null", '"x"', formatLockHolder({ ...holder, pid: 0 }), formatLockHolder({ ...holder, token: "" })]) {
      expect(parseLockHolder(bad)).toBeUndefined();
    }
    expect(parseLockHolder(JSON.stringify({ ...holder, pid: "1" }))).toBeUndefined();
    expect(parseLockHolder(JSON.stringify({ ...holder, pidNamespace: 4026531836 }))).toBeUndefined();
    expect(parseLockHolder(text)).toEqual(holder); // positive control
  });

  it("checks a pid only for holders in this boot and pid namespace", () => {
    const here = newLockHolder();
    expect(isSameNamespace(here)).toBe(true);
    expect(holderStatus(here)).toBe("alive");
    for (const elsewhere of [
      { ...here, pidNamespace: "pid:[4026532691]" },
      { ...here, boot: "00000000-0000-0000-0000-000000000000" },
      { ...here, pidNamespace: undefined },
      { ...here, boot: undefined, pidNamespace: undefined },
    ]) {
      expect(isSameNamespace(elsewhere)).toBe(false);
      expect(holderStatus(elsewhere)).toBe("unknown");
    }
  });

  it("reads a start time after a process name holding spaces and parentheses, and tells processes started apart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lock-holder-"));
    const named = join(dir, "a) 1 2 (3");
    await symlink("/bin/sleep", named);
    const first = spawn(named, ["30"], { stdio: "ignore" });
    await delay(50);
    const second = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await delay(50);
      expect(readFileSync(`/proc/${first.pid}/stat`, "utf8")).toContain("(a) 1 2 (3)");
      const [a, b, self] = [processStartTime(first.pid!), processStartTime(second.pid!), processStartTime("self")];
      for (const value of [a, b, self]) expect(value).toMatch(/^\d+$/);
      expect(Number(a)).toBeGreaterThanOrEqual(Number(self));
      expect(Number(b)).toBeGreaterThan(Number(a));
      expect(holderStatus({ ...newLockHolder(), pid: first.pid!, startTime: a })).toBe("alive");
      expect(holderStatus({ ...newLockHolder(), pid: first.pid!, startTime: b })).toBe("gone");
    } finally {
      first.kill("SIGKILL");
      second.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
    expect(processStartTime(2 ** 22 + 1)).toBeUndefined(); // above any pid_max: no such process
  });
});
