import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RUN_MARKER_VARIABLE, capturedText, isBackendError, newRunMarker, processTreeKillScript, runLocalScript } from "@monoclaw/core";
import { createHostBackend } from "./host-backend.js";
import { hostBackendFactory } from "./host-backend-factory.js";
import { hostConfigSchema } from "./host-config.js";
import { survivingProcesses, uniqueSleepSeconds } from "@monoclaw/core/testing";

const workspace = mkdtempSync(join(tmpdir(), "monoclaw-host-factory-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe("hostConfigSchema (terminal.host)", () => {
  it("gives every default for an empty section", () => {
    expect(hostConfigSchema.parse({})).toEqual({ env: {}, forward_env: [] });
  });

  it("accepts env, forward_env and shell", () => {
    const parsed = hostConfigSchema.parse({ env: { FOO: "bar" }, forward_env: ["GITHUB_TOKEN"], shell: "/bin/sh" });
    expect(parsed).toEqual({ env: { FOO: "bar" }, forward_env: ["GITHUB_TOKEN"], shell: "/bin/sh" });
  });

  it("explains what is wrong with a bad value", () => {
    const result = hostConfigSchema.safeParse({ forward_env: "GITHUB_TOKEN", env: { "1BAD": "x" } });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    expect(messages).toContain("forward_env: a list of variable names, e.g. [GITHUB_TOKEN]");
    expect(messages.some((m) => m.startsWith("env.1BAD") && m.includes("environment variable name"))).toBe(true);
  });
});

describe("hostBackendFactory", () => {
  it("is named host and takes cwd and timeout from terminal settings", async () => {
    expect(hostBackendFactory.name).toBe("host");
    const backend = hostBackendFactory.create(hostBackendFactory.configSchema.parse({ env: { FROM_CONFIG: "yes" } }), {
      terminal: { cwd: workspace, timeoutMs: 700 },
      env: { PATH: process.env.PATH },
    });
    try {
      expect(backend.workspacePath).toBe(workspace);
      const here = await backend.exec('pwd; echo "$FROM_CONFIG"', { timeoutMs: 60_000 });
      expect(capturedText(here.stdout)).toBe(`${workspace}\nyes\n`);
      const slow = await backend.exec("sleep 30");
      expect(slow).toMatchObject({ timedOut: true, exitCode: 124 });
    } finally {
      await backend.dispose();
    }
  });
});

describe("host backend lifecycle", () => {
  it("dispose ends background jobs of finished commands, then refuses new work", async () => {
    const backend = hostBackendFactory.create(hostBackendFactory.configSchema.parse({}), {
      terminal: { cwd: workspace, timeoutMs: 60_000 },
      env: { PATH: process.env.PATH },
    });
    const n = uniqueSleepSeconds();
    const started = await backend.exec(`setsid sleep ${n} >/dev/null 2>&1 & echo started`);
    expect(capturedText(started.stdout)).toBe("started\n");
    const probe = hostBackendFactory.create(hostBackendFactory.configSchema.parse({}), {
      terminal: { cwd: workspace, timeoutMs: 60_000 },
      env: { PATH: process.env.PATH },
    });
    try {
      await backend.dispose();
      await backend.dispose(); // idempotent
      expect(await survivingProcesses(probe, n)).toEqual([]);
      expect(isBackendError(await backend.exec("true").catch((e: unknown) => e), "UNAVAILABLE")).toBe(true);
      expect((await backend.status()).available).toBe(false);
    } finally {
      await probe.dispose();
    }
  });

  it("nests its markers under the one MonoClaw runs with, so an outer kill reaches its commands' processes", async () => {
    const outer = newRunMarker();
    const saved = process.env[RUN_MARKER_VARIABLE];
    process.env[RUN_MARKER_VARIABLE] = outer; // as if this MonoClaw were itself a command of another one
    const nested = createHostBackend({ cwd: workspace });
    if (saved === undefined) delete process.env[RUN_MARKER_VARIABLE];
    else process.env[RUN_MARKER_VARIABLE] = saved;
    const probe = createHostBackend({ cwd: workspace });
    const n = uniqueSleepSeconds();
    try {
      await nested.exec(`setsid sleep ${n} >/dev/null 2>&1 & echo started`);
      await runLocalScript(processTreeKillScript({ marker: outer, graceMs: 500 }));
      expect(await survivingProcesses(probe, n)).toEqual([]);
    } finally {
      await nested.dispose();
      await probe.dispose();
    }
  });

  it("health checks fail with a fix for a missing workspace or shell", async () => {
    const backend = hostBackendFactory.create(hostBackendFactory.configSchema.parse({ shell: "/nonexistent/zsh" }), {
      terminal: { cwd: join(workspace, "missing"), timeoutMs: 1000 },
      env: { PATH: process.env.PATH },
    });
    const checks = await backend.healthChecks();
    expect(checks.find((c) => c.id === "host.shell")).toMatchObject({ level: "fail", message: "shell /nonexistent/zsh not found" });
    expect(checks.find((c) => c.id === "host.cwd")).toMatchObject({ level: "fail", fix: expect.stringContaining("mkdir -p") });
    const error = await backend.exec("true").catch((e: unknown) => e);
    expect(isBackendError(error, "UNAVAILABLE")).toBe(true);
    expect((error as Error).message).toContain("terminal.host.shell");
    await backend.dispose();
  });
});
