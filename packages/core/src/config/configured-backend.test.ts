import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExecutionBackend } from "../backend/execution-backend.js";
import { createConfiguredBackend } from "./configured-backend.js";
import { loadConfig } from "./load-config.js";
import { testFactories } from "./config.test-helpers.js";

describe("createConfiguredBackend", () => {
  it("hands the selected backend its own parsed section and the terminal settings in milliseconds", async () => {
    const created: unknown[] = [];
    const factories = testFactories(created);
    const { config } = await loadConfig({ factories, env: { MONOCLAW_HOME: "/nonexistent-monoclaw-home" }, startDir: "/work" });
    const env = { PATH: "/bin" };
    const backend = createConfiguredBackend(config, factories, { env });
    expect(backend.name).toBe("host");
    expect(created).toEqual([
      { name: "host", config: { forward_env: [] }, context: { terminal: { cwd: "/work", timeoutMs: 180_000 }, env, secretValues: [] } },
    ]);
  });

  it("hands the backend every configured provider API key, so no variable carries one to a command", async () => {
    const home = mkdtempSync(join(tmpdir(), "monoclaw-configured-"));
    try {
      writeFileSync(join(home, "config.yaml"), "providers:\n  anthropic:\n    api_key: ${MY_LLM}\n  local:\n    base_url: http://127.0.0.1:1234/v1\n");
      const created: { context: { secretValues?: string[] } }[] = [];
      const factories = testFactories(created);
      const env = { MONOCLAW_HOME: home, MY_LLM: "configured-key-123456" };
      const { config } = await loadConfig({ factories, env, startDir: "/work" });
      createConfiguredBackend(config, factories, { env });
      expect(created[0]!.context.secretValues).toEqual(["configured-key-123456"]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("uses the override instead of terminal.backend, and refuses a name nobody registered", async () => {
    const created: { name: string; config: unknown }[] = [];
    const factories = testFactories(created);
    const { config } = await loadConfig({ factories, env: { MONOCLAW_HOME: "/nonexistent-monoclaw-home" }, startDir: "/work" });
    createConfiguredBackend(config, factories, { backend: "docker" });
    expect(created[0]).toMatchObject({ name: "docker", config: { image: "ubuntu:24.04", network: "bridge" } });
    expect(() => createConfiguredBackend(config, factories, { backend: "ssh" })).toThrow('No backend named "ssh" is registered (known: host, docker).');
  });

  it("refuses a backend built for a specification version this core does not support, naming it and the supported versions", async () => {
    const factories = testFactories().map((factory) =>
      factory.name === "host" ? { ...factory, create: () => ({ name: "host", specificationVersion: "v2" }) as unknown as ExecutionBackend } : factory,
    );
    const { config } = await loadConfig({ factories, env: { MONOCLAW_HOME: "/nonexistent-monoclaw-home" }, startDir: "/work" });
    expect(() => createConfiguredBackend(config, factories)).toThrow(
      'Backend "host" states specificationVersion "v2", but this MonoClaw supports backend specification v1. Install a version of the backend package made for it, or upgrade monoclaw and @monoclaw/core.',
    );
    expect(createConfiguredBackend(config, factories, { backend: "docker" }).specificationVersion).toBe("v1");
  });
});
