import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { parseDockerConfig, type DockerConfigInput } from "../docker-config.js";
import { createManagedContainer } from "./managed-container.js";
import { LABEL_CONFIG_HASH, LABEL_CREATED_AT, LABEL_MANAGED_BY } from "./container-labels.js";

const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const PREFIX = "mc-test-lifecycle-";
let counter = 0;
const uniqueName = () => `${PREFIX}${process.pid}-${++counter}`;

function target(name: string, overrides: DockerConfigInput = {}, log: string[] = []) {
  const config = parseDockerConfig({ image: "monoclaw-test/busybox:latest", network: "none", pull: "never", ...overrides });
  return createManagedContainer({ docker, spec: { config, name, scope: "/tmp/lifecycle-test", binds: [] }, keepWarm: false, log: (m) => log.push(m) });
}

async function inspect(name: string) {
  return docker
    .getContainer(name)
    .inspect()
    .catch(() => undefined);
}

afterAll(async () => {
  const all = await docker.listContainers({ all: true });
  await Promise.all(
    all
      .filter((c) => c.Names.some((n) => n.startsWith(`/${PREFIX}`)))
      .map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
  );
});

describe("managed container lifecycle (real engine)", () => {
  it("is created lazily, hardened, labelled, with a config hash", async () => {
    const name = uniqueName();
    const container = target(name);
    expect(await inspect(name)).toBeUndefined();
    const id = await container.ensureRunning();
    const info = (await inspect(name))!;
    expect(info.Id).toBe(id);
    expect(info.State.Running).toBe(true);
    expect(info.Config.Labels[LABEL_MANAGED_BY]).toBe("monoclaw");
    expect(info.Config.Labels[LABEL_CONFIG_HASH]).toMatch(/^[0-9a-f]{16}$/);
    expect(Date.parse(info.Config.Labels[LABEL_CREATED_AT]!)).toBeGreaterThan(0);
    expect(info.HostConfig).toMatchObject({ Init: true, CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges:true"], PidsLimit: 1024, NetworkMode: "none" });
  });

  it("is reused by a second instance (as a second process would), and a stopped one is started again", async () => {
    const name = uniqueName();
    const first = await target(name).ensureRunning();
    const second = await target(name).ensureRunning();
    expect(second).toBe(first);
    await docker.getContainer(first).stop({ t: 0 });
    const third = await target(name).ensureRunning();
    expect(third).toBe(first);
    expect((await inspect(name))!.State.Running).toBe(true);
  });

  it("creates exactly one container when four instances start at the same time", async () => {
    const name = uniqueName();
    const ids = await Promise.all([1, 2, 3, 4].map(() => target(name).ensureRunning()));
    expect(new Set(ids).size).toBe(1);
    expect((await inspect(name))!.Id).toBe(ids[0]);
  });

  it("replaces the container when the configuration changes, and says so", async () => {
    const name = uniqueName();
    const before = await target(name).ensureRunning();
    const log: string[] = [];
    const after = await target(name, { pids_limit: 99 }, log).ensureRunning();
    expect(after).not.toBe(before);
    expect((await inspect(name))!.HostConfig.PidsLimit).toBe(99);
    expect(
      await docker
        .getContainer(before)
        .inspect()
        .catch((e: { statusCode?: number }) => e.statusCode),
    ).toBe(404);
    expect(log.join("\n")).toContain(`replacing container ${name}`);
  });

  it("recreates a container removed behind its back after invalidate()", async () => {
    const name = uniqueName();
    const container = target(name);
    const first = await container.ensureRunning();
    await docker.getContainer(first).remove({ force: true });
    container.invalidate();
    const second = await container.ensureRunning();
    expect(second).not.toBe(first);
    expect((await inspect(name))!.State.Running).toBe(true);
  });

  it("never touches a same-named container it did not create", async () => {
    const name = uniqueName();
    const foreign = await docker.createContainer({ name, Image: "monoclaw-test/busybox:latest", Cmd: ["sleep", "600"], HostConfig: { NetworkMode: "none" } });
    const error = (await target(name)
      .ensureRunning()
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("MonoClaw did not create it");
    expect(error.message).toContain(`terminal.docker.container: ${name}`);
    const info = (await inspect(name))!;
    expect(info.Id).toBe(foreign.id);
    expect(info.State.Status).toBe("created");
  });

  it("stops (not removes) the container on stop()", async () => {
    const name = uniqueName();
    const container = target(name);
    await container.ensureRunning();
    await container.stop();
    const info = (await inspect(name))!;
    expect(info.State.Running).toBe(false);
  });

  it("gives the Image not found guidance and leaves nothing behind when the image is missing", async () => {
    const name = uniqueName();
    const error = (await target(name, { image: "monoclaw-test/does-not-exist:1" })
      .ensureRunning()
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("Image not found: monoclaw-test/does-not-exist:1");
    expect(error.message).toContain("docker pull monoclaw-test/does-not-exist:1");
    expect(await inspect(name)).toBeUndefined();
  });
});
