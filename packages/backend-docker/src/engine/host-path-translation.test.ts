import { mkdtempSync, readFileSync, realpathSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import Dockerode from "dockerode";
import { isBackendError } from "@monoclaw/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  containerIdFromCgroup,
  containerIdFromMountinfo,
  createHostPathTranslator,
  findRuntimeContainer,
  hostPathHealthCheck,
  type ContainerProbes,
} from "./host-path-translation.js";

const docker = new Dockerode({ socketPath: "/var/run/docker.sock" });
const prefix = `monoclaw-hpt-test-${randomBytes(3).toString("hex")}`;
const image = "monoclaw-test/busybox:latest";

/** A process outside any container. */
const onHost: ContainerProbes = { readFile: () => undefined, hostname: () => "workstation", exists: () => false };

/** What a process inside container `pid` would read, taken from the real /proc of that container's init. */
function probesOf(pid: number, only?: "mountinfo" | "cgroup" | "hostname"): ContainerProbes {
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  };
  return {
    readFile: (path) => {
      if (path === "/proc/self/mountinfo" && (only ?? "mountinfo") === "mountinfo") return read(`/proc/${pid}/mountinfo`);
      if (path === "/proc/self/cgroup" && (only ?? "cgroup") === "cgroup") return read(`/proc/${pid}/cgroup`);
      return undefined;
    },
    hostname: () => (only === undefined || only === "hostname" ? (read(`/proc/${pid}/root/etc/hostname`) ?? "").trim() : "x"),
    exists: (path) => existsSync(`/proc/${pid}/root${path}`),
  };
}

describe("container id discovery from text", () => {
  const id = "a".repeat(12) + "0123456789abcdef".repeat(3) + "0123";

  it("reads the id from mountinfo (Docker and Podman layouts)", () => {
    const docker = `612 590 254:0 /var/lib/docker/containers/${id}/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw`;
    const podman = `700 650 0:44 /containers/storage/overlay-containers/${id}/userdata/resolv.conf /etc/resolv.conf rw - tmpfs tmpfs rw`;
    expect(containerIdFromMountinfo(`1 0 0:1 / / rw - overlay overlay rw\n${docker}\n`)).toBe(id);
    expect(containerIdFromMountinfo(podman)).toBe(id);
  });

  it("ignores mountinfo lines that are not the engine-managed /etc files", () => {
    const userBind = `612 590 254:0 /var/lib/docker/containers/${id}/hostname /mnt/hostname rw - ext4 /dev/vda rw`;
    expect(containerIdFromMountinfo(userBind)).toBeUndefined();
    expect(containerIdFromMountinfo("")).toBeUndefined();
  });

  it("reads the id from cgroup v1 and systemd-driver v2 paths", () => {
    expect(containerIdFromCgroup(`12:pids:/docker/${id}\n11:memory:/docker/${id}`)).toBe(id);
    expect(containerIdFromCgroup(`0::/system.slice/docker-${id}.scope`)).toBe(id);
    expect(containerIdFromCgroup(`0::/machine.slice/libpod-${id}.scope/container`)).toBe(id);
    expect(containerIdFromCgroup("0::/\n")).toBeUndefined();
    expect(containerIdFromCgroup("0::/user.slice/user-1000.slice/session-2.scope")).toBeUndefined();
  });
});

describe("host path translation against a real engine", () => {
  const projects = realpathSync(mkdtempSync(join(tmpdir(), `${prefix}-projects-`)));
  const data = realpathSync(mkdtempSync(join(tmpdir(), `${prefix}-data-`)));
  const volumeName = `${prefix}-vol`;
  let runtime: Dockerode.Container;
  let runtimeId: string;
  let pid: number;
  let volumeSource: string;

  beforeAll(async () => {
    await docker.createVolume({ Name: volumeName });
    runtime = await docker.createContainer({
      name: `${prefix}-runtime`,
      Image: image,
      Cmd: ["sleep", "3600"],
      HostConfig: {
        NetworkMode: "none",
        Binds: [`${projects}:/projects`, `${data}:/srv/data:ro`, `${volumeName}:/cache`],
      },
    });
    await runtime.start();
    const info = await runtime.inspect();
    runtimeId = info.Id;
    pid = info.State.Pid;
    volumeSource = (await docker.getVolume(volumeName).inspect()).Mountpoint;
  });

  afterAll(async () => {
    const leftovers = await docker.listContainers({ all: true, filters: { name: [prefix] } });
    await Promise.all(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    await docker
      .getVolume(volumeName)
      .remove()
      .catch(() => {});
    rmSync(projects, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  it.each(["mountinfo", "cgroup", "hostname"] as const)("finds its own container through %s", async (strategy) => {
    const found = await findRuntimeContainer(docker, probesOf(pid, strategy));
    expect(found?.id).toBe(runtimeId);
    expect(found?.foundBy).toBe(strategy);
    expect(found?.name).toBe(`${prefix}-runtime`);
    expect(found?.mounts).toEqual(
      expect.arrayContaining([
        { source: projects, destination: "/projects", type: "bind", readOnly: false },
        { source: data, destination: "/srv/data", type: "bind", readOnly: true },
        { source: volumeSource, destination: "/cache", type: "volume", readOnly: false },
      ]),
    );
  });

  it("translates paths on the container's mounts to host paths, deepest mount first", async () => {
    const translate = await createHostPathTranslator(docker, probesOf(pid));
    expect(translate("/projects")).toBe(projects);
    expect(translate("/projects/")).toBe(projects);
    expect(translate("/projects/app/src")).toBe(join(projects, "app/src"));
    expect(translate("/projects/app/../lib")).toBe(join(projects, "lib"));
    expect(translate("/srv/data/file.txt")).toBe(join(data, "file.txt"));
    expect(translate("/cache/npm")).toBe(join(volumeSource, "npm"));
  });

  it("refuses a path in the container's own filesystem with a message naming the fix", async () => {
    const translate = await createHostPathTranslator(docker, probesOf(pid));
    expect(() => translate("/root/work")).toThrow(
      /\/root\/work is inside the MonoClaw container .*-runtime itself.*docker run -v \/host\/dir:\/root\/work.*\/projects/,
    );
    let error: unknown;
    try {
      translate("/root/work");
    } catch (caught) {
      error = caught;
    }
    expect(isBackendError(error, "INVALID") && error.path).toBe("/root/work");
    // A sibling whose name merely starts like a mount is not on it.
    expect(() => translate("/projects-old")).toThrow(/not on one of its mounts/);
    expect(() => translate("projects/app")).toThrow(/must be an absolute path/);
  });

  it("is the identity outside any container", async () => {
    const translate = await createHostPathTranslator(docker, onHost);
    expect(translate("/projects/app")).toBe("/projects/app");
    expect(translate("/home/me/code")).toBe("/home/me/code");
  });

  it("is the identity in a container this engine does not know (remote engine, Docker-in-Docker)", async () => {
    const unknownId = randomBytes(32).toString("hex");
    const probes: ContainerProbes = {
      readFile: (path) => (path === "/proc/self/cgroup" ? `12:pids:/docker/${unknownId}\n` : undefined),
      hostname: () => unknownId.slice(0, 12),
      exists: (path) => path === "/.dockerenv",
    };
    expect(await findRuntimeContainer(docker, probes)).toBeUndefined();
    const translate = await createHostPathTranslator(docker, probes);
    expect(translate("/projects/app")).toBe("/projects/app");
  });

  it("does not take a container whose name looks like the hostname for its own", async () => {
    const impostorName = randomBytes(6).toString("hex");
    const impostor = await docker.createContainer({ name: impostorName, Image: image, Cmd: ["true"], Labels: { test: prefix } });
    try {
      const probes: ContainerProbes = { readFile: () => undefined, hostname: () => impostorName, exists: (p) => p === "/.dockerenv" };
      expect(await findRuntimeContainer(docker, probes)).toBeUndefined();
    } finally {
      await impostor.remove({ force: true });
    }
  });

  it("explains the mode for doctor", async () => {
    expect(await hostPathHealthCheck(docker, ["/home/me/code"], onHost)).toMatchObject({
      id: "docker.host_paths",
      level: "ok",
      message: expect.stringMatching(/runs on the engine's host/),
    });

    const inside = await hostPathHealthCheck(docker, ["/projects/app"], probesOf(pid));
    expect(inside.level).toBe("ok");
    expect(inside.message).toContain(`container ${prefix}-runtime (${runtimeId.slice(0, 12)}, found by mountinfo)`);
    expect(inside.message).toContain(`/projects -> ${projects}`);

    const unmounted = await hostPathHealthCheck(docker, ["/projects/app", "/opt/work"], probesOf(pid));
    expect(unmounted).toMatchObject({ level: "fail", message: expect.stringContaining("/opt/work are on none of its mounts") });
    expect(unmounted.fix).toContain("docker run -v /host/dir:/opt/work");

    const unknown: ContainerProbes = { readFile: () => undefined, hostname: () => "runner", exists: (p) => p === "/.dockerenv" };
    expect(await hostPathHealthCheck(docker, [], unknown)).toMatchObject({ level: "warn", fix: expect.stringContaining("docker.sock") });
  });
});
