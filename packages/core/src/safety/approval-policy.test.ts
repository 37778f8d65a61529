import { describe, expect, it } from "vitest";
import { decideApproval, isSandboxedStatus } from "./approval-policy.js";

describe("decideApproval", () => {
  it("ask: asks for destructive commands on an unguarded backend, runs the rest", () => {
    expect(decideApproval("rm -rf /", { mode: "ask", sandboxed: false })).toEqual({
      action: "ask",
      reason: "this command recursively deletes / , home or a system directory",
    });
    expect(decideApproval("ls", { mode: "ask", sandboxed: false })).toEqual({ action: "run" });
  });

  it("ask: runs what the check cannot see into, and says what that was", () => {
    expect(decideApproval("python3 -c 'print(1)'", { mode: "ask", sandboxed: false })).toEqual({ action: "run", unseen: ["inline python3 code"] });
  });

  it("ask: asks for sh -c 'rm -rf /' and for code it cannot read fed to a shell", () => {
    expect(decideApproval("sh -c 'rm -rf /'", { mode: "ask", sandboxed: false })).toEqual({
      action: "ask",
      reason: "this command recursively deletes / , home or a system directory",
    });
    expect(decideApproval('eval "$x"', { mode: "ask", sandboxed: false })).toMatchObject({ action: "ask", reason: expect.stringContaining("eval") });
  });

  it("ask: a sandboxed backend is the guard, so destructive commands run", () => {
    expect(decideApproval("rm -rf /", { mode: "ask", sandboxed: true })).toEqual({ action: "run" });
  });

  it("always asks for every command, sandboxed or not; never asks for none", () => {
    expect(decideApproval("ls", { mode: "always", sandboxed: true })).toMatchObject({ action: "ask" });
    expect(decideApproval("mkfs /dev/sda", { mode: "never", sandboxed: false })).toEqual({ action: "run" });
  });
});

describe("isSandboxedStatus", () => {
  it("the host is never sandboxed", () => {
    expect(isSandboxedStatus({ backend: "host" })).toBe(false);
  });

  it("a container is sandboxed unless a host folder is mounted writable", () => {
    expect(isSandboxedStatus({ backend: "docker", details: { mounts: [] } })).toBe(true);
    // A backend that does not say what it mounts is not trusted.
    expect(isSandboxedStatus({ backend: "docker", details: {} })).toBe(false);
    expect(isSandboxedStatus({ backend: "docker", details: { mounts: [{ source: "/home/u/.ssh", target: "/root/.ssh", readOnly: true }] } })).toBe(true);
    expect(isSandboxedStatus({ backend: "docker", details: { mounts: [{ source: "/home/u/projects", target: "/projects", readOnly: false }] } })).toBe(false);
    expect(isSandboxedStatus({ backend: "docker", details: { mounts: [{ source: "/data", target: "/workspace", mode: "rw" }] } })).toBe(false);
  });
});
