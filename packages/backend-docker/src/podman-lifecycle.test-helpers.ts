import { afterAll, describe, expect, it } from "vitest";
import type { HealthCheck } from "@monoclaw/core";
import { LABEL_MANAGED_BY } from "./container/container-labels.js";
import { expectReaperRemovesOnlyOurStoppedExpired } from "./container/reaper-case.test-helpers.js";
import { text } from "./docker.test-helpers.js";
import { podmanBackend, podmanContainerNames, type PodmanTestEngine } from "./podman.test-helpers.js";

/** What differs between the Podman engines the lifecycle runs on. */
export interface PodmanLifecycleExpectations {
  /** "rootful" or "rootless", as doctor's engine line says it. */
  mode: "rootful" | "rootless";
  /** The PidsLimit Podman's inspect shows for `pids_limit: 99`: rootless Podman on cgroup v1 drops it (0). */
  pidsLimitShown: number;
  /** Doctor's docker.limits line for `memory: 256m`; `fix` is a value or an asymmetric matcher (undefined: no fix). */
  limits: { level: "ok" | "warn"; says: string; fix: unknown };
  /** Whether doctor adds the docker.podman.limits warning (rootless on cgroup v1). */
  warnsLimitsDropped: boolean;
}

/**
 * The container lifecycle (reuse, replace on config change, recreate after removal, reaper) and doctor on one
 * Podman engine: the same backend code as on Docker, only terminal.docker.host differs.
 */
export function describePodmanLifecycle(engine: PodmanTestEngine, prefix: string, expected: PodmanLifecycleExpectations): void {
  const names = podmanContainerNames(prefix, engine);
  afterAll(() => names.cleanup());
  const podman = engine.client;
  const backend = (name: string, options: Parameters<typeof podmanBackend>[1] = {}) => podmanBackend(name, options, engine);
  const inspect = (name: string) =>
    podman
      .getContainer(name)
      .inspect()
      .catch((error: { statusCode?: number }) => error.statusCode);
  const byId = (checks: HealthCheck[], id: string) => checks.filter((check) => check.id === id);

  describe(`container lifecycle on ${engine.label}`, () => {
    it("creates a labelled, hardened container from the image Podman stores as localhost/..., and reuses it from a second backend", async () => {
      const name = names.next();
      const first = backend(name);
      await first.writeFile("kept.txt", "survives a stop");
      const id = await first.ensureContainer();
      await first.dispose();
      const info = await podman.getContainer(name).inspect();
      expect(info.Config.Labels[LABEL_MANAGED_BY]).toBe("monoclaw");
      expect(info.HostConfig).toMatchObject({ Init: true, NetworkMode: "none" });
      expect(info.State.Running).toBe(false);

      const second = backend(name);
      try {
        expect(await second.ensureContainer()).toBe(id);
        expect(text(await second.readFile("kept.txt"))).toBe("survives a stop");
        const result = await second.exec("exit 7");
        expect(result.exitCode).toBe(7);
      } finally {
        await second.dispose();
      }
    });

    it(`replaces the container when the configuration changes (pids_limit 99 shows as ${expected.pidsLimitShown} on ${engine.label})`, async () => {
      const name = names.next();
      const first = backend(name);
      const before = await first.ensureContainer();
      await first.dispose();
      const messages: string[] = [];
      const second = backend(name, { pids_limit: 99, env: { MC_LIFECYCLE: "replaced" }, log: (m) => messages.push(m) });
      try {
        const after = await second.ensureContainer();
        expect(after).not.toBe(before);
        const info = await podman.getContainer(name).inspect();
        expect(info.Config.Env).toContain("MC_LIFECYCLE=replaced");
        expect(info.HostConfig.PidsLimit ?? 0).toBe(expected.pidsLimitShown);
        expect(text((await second.exec("echo $MC_LIFECYCLE")).stdout.head)).toBe("replaced\n");
        expect(await inspect(before)).toBe(404);
        expect(messages.join("\n")).toContain(`replacing container ${name}`);
      } finally {
        await second.dispose();
      }
    });

    it("recreates a container removed behind its back and runs the next command in it", async () => {
      const name = names.next();
      const target = backend(name);
      try {
        const first = await target.ensureContainer();
        await podman.getContainer(first).remove({ force: true });
        expect(await inspect(first)).toBe(404);
        const result = await target.exec("echo back");
        expect(text(result.stdout.head)).toBe("back\n");
        const second = await target.ensureContainer();
        expect(second).not.toBe(first);
        expect((await podman.getContainer(second).inspect()).State.Running).toBe(true);
      } finally {
        await target.dispose();
      }
    });

    it(`reaps only our expired stopped containers on ${engine.label}, never a running one or an unlabelled one`, async () => {
      await expectReaperRemovesOnlyOurStoppedExpired(podman, names);
    });

    it(`doctor names ${engine.label}, and its probe container starts with the managed container's settings`, async () => {
      const doctor = backend(names.next(), { memory: "256m" });
      try {
        const checks = await doctor.healthChecks();
        expect(byId(checks, "docker.engine")[0]).toMatchObject({ level: "ok" });
        expect(byId(checks, "docker.engine")[0]!.message).toMatch(
          new RegExp(`^Podman Engine 4\\.\\S+ \\(${expected.mode}, runtime runc\\) \\(API 1\\.\\d+\\) at ${engine.host}, found by terminal\\.docker\\.host$`),
        );
        expect(byId(checks, "docker.image")[0]).toMatchObject({ level: "ok" });
        expect(byId(checks, "docker.podman")[0]).toMatchObject({ level: "ok" });
        // Limits: enforced rootful; rootless on cgroup v1 drops them, and doctor says so instead of a tick.
        const limits = byId(checks, "docker.limits")[0]!;
        expect(limits.level).toBe(expected.limits.level);
        expect(limits.message).toContain(expected.limits.says);
        expect(limits.fix).toEqual(expected.limits.fix);
        const dropped = byId(checks, "docker.podman.limits");
        expect(dropped.map((check) => check.level)).toEqual(expected.warnsLimitsDropped ? ["warn"] : []);
        for (const check of dropped) expect(check.message).toContain("rootless Podman on cgroup v1 creates containers without memory, cpus and pids_limit");
        expect(checks.filter((check) => check.level === "fail")).toEqual([]);
      } finally {
        await doctor.dispose();
      }
    });
  });
}
