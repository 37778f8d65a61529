import { describe, expect, it } from "vitest";
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
    expect(created).toEqual([{ name: "host", config: { forward_env: [] }, context: { terminal: { cwd: "/work", timeoutMs: 180_000 }, env } }]);
  });

  it("uses the override instead of terminal.backend, and refuses a name nobody registered", async () => {
    const created: { name: string; config: unknown }[] = [];
    const factories = testFactories(created);
    const { config } = await loadConfig({ factories, env: { MONOCLAW_HOME: "/nonexistent-monoclaw-home" }, startDir: "/work" });
    createConfiguredBackend(config, factories, { backend: "docker" });
    expect(created[0]).toMatchObject({ name: "docker", config: { image: "ubuntu:24.04", network: "bridge" } });
    expect(() => createConfiguredBackend(config, factories, { backend: "ssh" })).toThrow('No backend named "ssh" is registered (known: host, docker).');
  });
});
