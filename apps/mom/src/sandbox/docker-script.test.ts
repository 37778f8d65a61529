import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADDED_CAPABILITIES, containerRisks } from "@monoclaw/backend-docker";

const script = fileURLToPath(new URL("../../docker.sh", import.meta.url));
const name = `mom-test-dockersh-${process.pid}`;
const env = {
  ...process.env,
  MOM_CONTAINER: name,
  MOM_IMAGE: "monoclaw-test/busybox:latest",
  MOM_NETWORK: "none",
  MOM_MEMORY: "256m",
  MOM_CPUS: "1",
  MOM_PIDS: "64",
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(script, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    // docker.sh may exit before reading its stdin (usage errors): EPIPE is expected then.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input ?? "");
  });
}

function docker(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile("docker", args, { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? 1 : 0, stdout, stderr });
    });
  });
}

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "mom-dockersh-"));
  await docker(["rm", "-f", name]);
});

afterAll(async () => {
  await docker(["rm", "-f", name]);
  await rm(dataDir, { recursive: true, force: true });
});

describe("docker.sh against the real engine", () => {
  it("reports a missing container with the create command", async () => {
    const status = await run(["status"]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`Container '${name}' does not exist. Create it: ./docker.sh create <data-dir>`);
    const start = await run(["start"]);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("./docker.sh create <data-dir>");
  });

  it("create makes a container as hardened as a managed one: CapDrop ALL but a package manager's few, no-new-privileges, a pids limit, init", async () => {
    const hardened = `${name}-hardened`;
    await docker(["rm", "-f", hardened]);
    try {
      const created = await new Promise<Run>((resolve) => {
        execFile(script, ["create", dataDir], { env: { ...env, MOM_CONTAINER: hardened }, timeout: 60_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? 1 : 0, stdout, stderr }),
        );
      });
      expect(created).toMatchObject({ code: 0, stderr: "" });
      const hostConfig = JSON.parse((await docker(["container", "inspect", hardened])).stdout)[0].HostConfig;
      expect(hostConfig.CapDrop).toEqual(["ALL"]);
      // The engine keeps the names as the CLI sent them: Docker CLI 20.10 sends CHOWN, later ones CAP_CHOWN.
      expect([...hostConfig.CapAdd].map((cap: string) => cap.replace(/^CAP_/, "")).sort()).toEqual([...ADDED_CAPABILITIES].sort());
      expect(hostConfig.SecurityOpt).toContain("no-new-privileges");
      expect(hostConfig.PidsLimit).toBe(64);
      expect(hostConfig.Init).toBe(true);
      expect(hostConfig.Privileged).toBe(false);
      // What the process inside actually has: CHOWN DAC_OVERRIDE FOWNER KILL SETGID SETUID = bits 0,1,3,5,6,7.
      const status = await docker(["exec", hardened, "grep", "-E", "^(CapEff|NoNewPrivs)", "/proc/self/status"]);
      expect(status.stdout).toMatch(/CapEff:\s+00000000000000eb/);
      expect(status.stdout).toMatch(/NoNewPrivs:\s+1/);
      // The capability the default set has and the hardened one lacks: no raw sockets, no device nodes.
      expect((await docker(["exec", hardened, "mknod", "/tmp/null2", "c", "1", "3"])).code).toBe(1);
      // The backend's own judgement of it: no risk to warn about.
      const info = JSON.parse((await docker(["container", "inspect", hardened])).stdout)[0];
      expect(containerRisks(info.HostConfig, info.Mounts, { homeDir: "/home/not-the-data-dir", localFilesystem: true })).toEqual([]);
    } finally {
      await docker(["rm", "-f", hardened]);
    }
  });

  it("create mounts the data dir at /workspace with limits and no-new-privileges, and refuses a second create", async () => {
    await writeFile(join(dataDir, "hello.txt"), "from the host");
    const created = await run(["create", dataDir]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`mom --sandbox=docker:${name}`);

    const inspect = JSON.parse((await docker(["container", "inspect", name])).stdout)[0];
    expect(inspect.State.Running).toBe(true);
    expect(inspect.Config.Image).toBe("monoclaw-test/busybox:latest");
    expect(inspect.HostConfig.SecurityOpt).toContain("no-new-privileges");
    expect(inspect.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(inspect.HostConfig.NanoCpus).toBe(1e9);
    expect(inspect.HostConfig.PidsLimit).toBe(64);
    expect(inspect.HostConfig.NetworkMode).toBe("none");
    expect(inspect.HostConfig.Init).toBe(true);
    const mount = inspect.Mounts.find((m: { Destination: string }) => m.Destination === "/workspace");
    expect(mount?.Source).toBe(dataDir);

    const cat = await docker(["exec", name, "cat", "/workspace/hello.txt"]);
    expect(cat.stdout).toBe("from the host");

    const again = await run(["create", dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`container '${name}' already exists`);
    expect(again.stderr).toContain("./docker.sh remove");
  });

  it("status, shell, stop and start keep the container and what was installed in it", async () => {
    const status = await run(["status"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("running");
    expect(status.stdout).toContain(`/workspace <- ${dataDir}`);

    const shell = await run(["shell"], "mkdir -p /opt/tools && echo tool > /opt/tools/marker; pwd; echo from-shell\n");
    expect(shell.code).toBe(0);
    expect(shell.stdout).toBe("/workspace\nfrom-shell\n");

    const stopped = await run(["stop"]);
    expect(stopped.code).toBe(0);
    const stoppedStatus = await run(["status"]);
    expect(stoppedStatus.code).toBe(1);
    expect(stoppedStatus.stdout).toContain("./docker.sh start");
    const shellWhenStopped = await run(["shell"]);
    expect(shellWhenStopped.stderr).toContain("is not running. Start it: ./docker.sh start");

    expect((await run(["start"])).code).toBe(0);
    const marker = await docker(["exec", name, "cat", "/opt/tools/marker"]);
    expect(marker.stdout).toBe("tool\n");
  });

  it("remove deletes the container but not the data dir; unknown commands print usage", async () => {
    const removed = await run(["remove"]);
    expect(removed.code).toBe(0);
    expect((await docker(["container", "inspect", name])).code).toBe(1);
    expect((await run(["status"])).code).toBe(1);
    const unknown = await run(["explode"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'explode'");
    expect(unknown.stderr).toContain("create <data-dir>");
    const noDir = await run(["create"]);
    expect(noDir.stderr).toContain("create needs the data directory");
  });

  it("does not leave a half-created container when the image is missing", async () => {
    const failed = await new Promise<Run>((resolve) => {
      execFile(script, ["create", dataDir], { env: { ...env, MOM_IMAGE: "monoclaw-test/does-not-exist:none" }, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, stdout, stderr }),
      );
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("could not create container");
    expect((await docker(["container", "inspect", name])).code).toBe(1);
  });
});
