import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { HealthCheck } from "@monoclaw/core";
import { BUSYBOX, containerNames, testBackend, testDocker } from "./docker.test-helpers.js";
import { createDockerBackend } from "./docker-backend.js";

const names = containerNames("mc-test-doctor");
const home = mkdtempSync(join(tmpdir(), "monoclaw-doctor-"));
mkdirSync(join(home, ".ssh"));
mkdirSync(join(home, "projects"));
afterAll(async () => {
  await names.cleanup();
  rmSync(home, { recursive: true, force: true });
});

const byId = (checks: HealthCheck[], id: string) => checks.filter((check) => check.id === id);

describe("doctor checks of the Docker backend (real engine)", () => {
  it("reports engine, permissions, image, limits and container state", async () => {
    const name = names.next();
    const backend = testBackend(name, { memory: "256m", cpus: 0.5 });
    try {
      let checks = await backend.healthChecks();
      expect(byId(checks, "docker.engine")[0]).toMatchObject({ level: "ok" });
      expect(byId(checks, "docker.engine")[0]!.message).toMatch(
        /^Docker engine \d+\.\S+ \(API 1\.\d+\) at unix:\/\/\/var\/run\/docker\.sock, found by default socket$/,
      );
      expect(byId(checks, "docker.permissions")[0]).toMatchObject({ level: "ok" });
      expect(byId(checks, "docker.image")[0]).toMatchObject({ level: "ok", message: `image ${BUSYBOX} is present` });
      expect(byId(checks, "docker.limits")[0]!.message).toContain("memory 256m, cpus 0.5");
      expect(byId(checks, "docker.container")[0]!.message).toContain("not created yet");
      await backend.exec("true");
      checks = await backend.healthChecks();
      expect(byId(checks, "docker.container")[0]!.message).toMatch(new RegExp(`container ${name} is running`));
      expect(checks.every((check) => check.level !== "fail")).toBe(true);
    } finally {
      await backend.dispose();
    }
  });

  it("fails with the Image not found guidance when the image is missing and pull is never", async () => {
    const backend = testBackend(names.next(), { image: "monoclaw-test/missing:1" });
    const image = byId(await backend.healthChecks(), "docker.image")[0]!;
    expect(image).toMatchObject({ level: "fail" });
    expect(image.fix).toContain("docker pull monoclaw-test/missing:1");
    await backend.dispose();
  });

  it("warns about risky settings, each with a fix: network host, a writable key directory let through, a secret in env", async () => {
    const backend = testBackend(names.next(), {
      network: "host",
      volumes: ["~/.ssh:/root/.ssh", "~/projects:/projects"],
      allow_dangerous_mounts: true,
      env: { GITHUB_TOKEN: "not-a-real-one", DATABASE_URL: "postgres://app:hunter22@db/app", LOG_LEVEL: "debug" },
      forward_env: ["MC_TEST_UNSET_TOKEN"],
      hostEnv: { PATH: process.env.PATH, HOME: home },
    });
    const checks = await backend.healthChecks();
    expect(byId(checks, "docker.forward_env")[0]).toMatchObject({ level: "warn" });
    expect(byId(checks, "docker.forward_env")[0]!.message).toContain("MC_TEST_UNSET_TOKEN");
    expect(byId(checks, "docker.risk.network")[0]).toMatchObject({ level: "warn" });
    const keys = byId(checks, "docker.risk.mount");
    expect(keys).toHaveLength(1);
    expect(keys[0]!.message).toContain(join(home, ".ssh"));
    expect(keys[0]!.fix).toContain(":ro");
    // The ✓ volumes line names only the clean mount: never a tick for one it warns about.
    const volumes = byId(checks, "docker.volumes");
    expect(volumes).toEqual([{ id: "docker.volumes", level: "ok", message: `volumes: ${join(home, "projects")} -> /projects` }]);
    // A secret-looking env value (by name or by value) is named with the forward_env fix; an ordinary one is not.
    const secrets = byId(checks, "docker.risk.env");
    expect(secrets.map((check) => check.message.split(" ")[0])).toEqual(["terminal.docker.env.GITHUB_TOKEN", "terminal.docker.env.DATABASE_URL"]);
    expect(secrets[0]!.fix).toContain("terminal.docker.forward_env");
    expect(JSON.stringify(checks)).not.toContain("hunter22");
    // Where the bind sources come from (MonoClaw on the host or in a container): one line, never a failure here.
    expect(byId(checks, "docker.host_paths")[0]?.level).not.toBe("fail");
    await backend.dispose();
  });

  it("names a bad volume as a failed check instead of throwing", async () => {
    const backend = testBackend(names.next(), { volumes: ["/var/run/docker.sock:/var/run/docker.sock"] });
    const volumes = byId(await backend.healthChecks(), "docker.volumes")[0]!;
    expect(volumes).toMatchObject({ level: "fail" });
    expect(volumes.message).toContain("refusing to mount /var/run/docker.sock");
    await backend.dispose();
  });

  it("reads an attached container's risks from the engine: privileged, the Docker socket; a stopped one fails with the fix", async () => {
    const privileged = names.next();
    // Created, not started: the engine here may not allow privileged containers to run; inspect is what the check reads.
    await testDocker.createContainer({ name: privileged, Image: BUSYBOX, Cmd: ["sleep", "600"], HostConfig: { NetworkMode: "none", Privileged: true } });
    const first = createDockerBackend({ container: privileged });
    let checks = await first.healthChecks();
    expect(byId(checks, "docker.risk.privileged")[0]).toMatchObject({ level: "fail" });
    expect(byId(checks, "docker.container")[0]).toMatchObject({ level: "fail", fix: `docker start ${privileged}` });
    await first.dispose();

    const socket = names.next();
    const container = await testDocker.createContainer({
      name: socket,
      Image: BUSYBOX,
      Cmd: ["sleep", "600"],
      HostConfig: { NetworkMode: "none", Binds: ["/var/run/docker.sock:/var/run/docker.sock"] },
    });
    await container.start();
    const second = createDockerBackend({ container: socket });
    checks = await second.healthChecks();
    expect(byId(checks, "docker.container")[0]).toMatchObject({ level: "ok" });
    expect(byId(checks, "docker.risk.mount")[0]!.message).toContain("container engine socket");
    await second.dispose();
    expect((await container.inspect()).State.Running).toBe(true);
  });

  it("fails the engine check with every place tried when no engine answers", async () => {
    const backend = createDockerBackend({ host: `unix://${home}/no.sock` });
    const checks = await backend.healthChecks();
    expect(byId(checks, "docker.engine")[0]).toMatchObject({ level: "fail" });
    expect(byId(checks, "docker.engine")[0]!.message).toContain(`terminal.docker.host (unix://${home}/no.sock): socket does not exist`);
    expect(byId(checks, "docker.engine")[0]!.fix).toContain("Docker not found");
    await backend.dispose();
  });

  it("shows no tick for an attached container whose workspace mount the policy flags; a clean one gets its tick and hardening", async () => {
    const flagged = names.next();
    await (
      await testDocker.createContainer({
        name: flagged,
        Image: BUSYBOX,
        Cmd: ["sleep", "600"],
        HostConfig: { NetworkMode: "none", Binds: [`${home}:/workspace`] },
      })
    ).start();
    const backend = createDockerBackend({ container: flagged, hostEnv: { PATH: process.env.PATH, HOME: home } });
    let checks = await backend.healthChecks();
    expect(byId(checks, "docker.container")[0]).toMatchObject({ level: "warn" });
    expect(byId(checks, "docker.risk.mount")[0]!.message).toContain(`it mounts ${home} at /workspace: ${home} is your home directory`);
    await backend.dispose();

    const clean = names.next();
    await (
      await testDocker.createContainer({
        name: clean,
        Image: BUSYBOX,
        Cmd: ["sleep", "600"],
        HostConfig: {
          NetworkMode: "none",
          Binds: [`${join(home, "projects")}:/workspace`],
          CapDrop: ["ALL"],
          SecurityOpt: ["no-new-privileges"],
          PidsLimit: 100,
          Init: true,
        },
      })
    ).start();
    const second = createDockerBackend({ container: clean, hostEnv: { PATH: process.env.PATH, HOME: home } });
    checks = await second.healthChecks();
    expect(byId(checks, "docker.container")[0]).toMatchObject({ level: "ok" });
    expect(byId(checks, "docker.hardening")[0]).toEqual({
      id: "docker.hardening",
      level: "ok",
      message: `container ${clean} (not made by MonoClaw): all capabilities dropped, no-new-privileges, pids limit 100, init`,
    });
    expect(checks.filter((check) => check.id.startsWith("docker.risk."))).toEqual([]);
    await second.dispose();
  });
});
