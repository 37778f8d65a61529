import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerBackendFactory } from "@monoclaw/backend-docker";
import { hostBackendFactory, type HostConfig } from "@monoclaw/backend-host";
import type { BackendFactory } from "@monoclaw/core/backend";
import { afterEach, describe, expect, it } from "vitest";
import { deferredDockerBackendFactory } from "./backends.js";
import { deferredBackendFactory } from "./deferred-backend-factory.js";

describe("the deferred Docker backend factory", () => {
  it("states the name, description and config schema the real factory states", () => {
    expect(deferredDockerBackendFactory.name).toBe(dockerBackendFactory.name);
    expect(deferredDockerBackendFactory.description).toBe(dockerBackendFactory.description);
    expect(deferredDockerBackendFactory.configSchema).toBe(dockerBackendFactory.configSchema);
  });

  it("names the workspace of the parsed config before loading the backend", () => {
    const config = dockerBackendFactory.configSchema.parse({ workdir: "/srv/project" });
    const backend = deferredDockerBackendFactory.create(config, { terminal: { cwd: "/tmp", timeoutMs: 1000 }, env: {} });
    expect(backend).toMatchObject({ name: "docker", workspacePath: "/srv/project", specificationVersion: "v1" });
  });
});

describe("deferredBackendFactory", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** The host backend behind a deferred factory, with a count of how often its code was asked for. */
  function deferredHost() {
    const loads = { count: 0 };
    const factory = deferredBackendFactory<HostConfig>(
      hostBackendFactory,
      () => "/",
      async () => {
        loads.count += 1;
        return hostBackendFactory as BackendFactory<HostConfig>;
      },
    );
    dir = mkdtempSync(join(tmpdir(), "monoclaw-deferred-"));
    const backend = factory.create(hostBackendFactory.configSchema.parse({}), { terminal: { cwd: dir, timeoutMs: 10_000 }, env: process.env });
    return { backend, loads };
  }

  it("loads the real backend on the first call, once, and runs the call on it", async () => {
    const { backend, loads } = deferredHost();
    expect(loads.count).toBe(0);
    const first = await backend.exec("echo first");
    const second = await backend.exec("echo second");
    expect([first.exitCode, Buffer.from(first.stdout.head).toString()]).toEqual([0, "first\n"]);
    expect([second.exitCode, Buffer.from(second.stdout.head).toString()]).toEqual([0, "second\n"]);
    expect(loads.count).toBe(1);
    await backend.dispose();
  });

  it("never loads the backend for a dispose that follows no call", async () => {
    const { backend, loads } = deferredHost();
    await backend.dispose();
    expect(loads.count).toBe(0);
    // Control: a call does load it.
    await backend.exec("true");
    expect(loads.count).toBe(1);
    await backend.dispose();
  });
});
