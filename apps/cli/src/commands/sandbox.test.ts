import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEngine, listManagedContainers, processDiscoveryEnvironment, removeManaged, type EngineConnection } from "@monoclaw/backend-docker";
import { createTestHome, dockerTestConfig, runBin, type TestHome } from "../cli.test-helpers.js";
import { spawnCliInPty } from "../agent/cli-process.test-helpers.js";

/**
 * `monoclaw sandbox ...` and `monoclaw image build` against the real engine,
 * with the sh-only test image and no network. The test home's own
 * terminal.cwd names its container; everything made here is removed at the end.
 */
let docker: EngineConnection["docker"];
const FOREIGN = `mc-test-cli-sandbox-foreign-${process.pid}`;
const IMAGE_TAG = `mc-test-cli-image:${process.pid}`;
let t: TestHome;

const run = (args: string[], input?: string) => runBin(args, { env: t.env, cwd: t.workdir, ...(input !== undefined ? { input } : {}) });

beforeAll(async () => {
  docker = (await connectEngine(processDiscoveryEnvironment())).docker;
  t = createTestHome();
  t.writeConfig(dockerTestConfig(t.workdir));
});

afterAll(async () => {
  for (const container of await listManagedContainers(docker)) {
    if (container.scope === t.workdir) await removeManaged(docker, container.id);
  }
  await docker
    .getContainer(FOREIGN)
    .remove({ force: true })
    .catch(() => undefined);
  await docker
    .getImage(IMAGE_TAG)
    .remove({ force: true })
    .catch(() => undefined);
  t.remove();
});

async function projectContainer() {
  return (await listManagedContainers(docker)).find((c) => c.scope === t.workdir);
}

describe("monoclaw sandbox", () => {
  it("ls marks this project's container; stop keeps it for reuse; rm removes it", async () => {
    expect(await run(["exec", "--", "echo made > /workspace/kept.txt"])).toMatchObject({ code: 0 });
    const container = (await projectContainer())!;
    expect(container.state).toBe("running");

    const listed = await run(["sandbox", "ls"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^\\*\\s+${container.name}\\s+Up .*monoclaw-test/busybox:latest.*yes\\s+${t.workdir}$`, "m"));
    const json = JSON.parse((await run(["sandbox", "ls", "--json"])).stdout) as { name: string; current: boolean }[];
    expect(json.find((c) => c.name === container.name)?.current).toBe(true);

    expect(await run(["sandbox", "stop"])).toMatchObject({ code: 0, stdout: `${container.name}: stopped\n` });
    expect((await projectContainer())?.state).toBe("exited");
    // The next command starts the same container again, files intact.
    expect(await run(["exec", "--", "cat /workspace/kept.txt"])).toMatchObject({ code: 0, stdout: "made\n" });
    expect((await projectContainer())?.id).toBe(container.id);

    expect(await run(["sandbox", "rm", container.name])).toMatchObject({ code: 0, stdout: `${container.name}: removed\n` });
    expect(await projectContainer()).toBeUndefined();
    const again = await run(["sandbox", "rm"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("this project has no container yet");
  });

  it("refuses to stop or remove a container MonoClaw did not create", async () => {
    const foreign = await docker.createContainer({
      name: FOREIGN,
      Image: "monoclaw-test/busybox:latest",
      Cmd: ["sleep", "600"],
      HostConfig: { NetworkMode: "none" },
    });
    await foreign.start();
    for (const verb of ["stop", "rm"]) {
      const result = await run(["sandbox", verb, FOREIGN]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${FOREIGN} is not a MonoClaw container`);
    }
    expect((await foreign.inspect()).State.Running).toBe(true);
    expect((await run(["sandbox", "ls"])).stdout).not.toContain(FOREIGN);
  });

  it("says where it looked and how to fix it when no engine answers, without a stack trace", async () => {
    const result = await runBin(["sandbox", "ls"], { env: { ...t.env, DOCKER_HOST: `unix://${t.root}/no-engine.sock` }, cwd: t.workdir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`DOCKER_HOST (unix://${t.root}/no-engine.sock): socket does not exist`);
    expect(result.stderr).toContain("Docker not found: install Docker");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("prune removes stopped MonoClaw containers only: running ones and containers without our label stay", async () => {
    const other = createTestHome();
    try {
      other.writeConfig(t.readConfig().replace(`cwd: ${t.workdir}`, `cwd: ${other.workdir}`));
      const runOther = (args: string[]) => runBin(args, { env: other.env, cwd: other.workdir });
      expect(await runOther(["exec", "--", "true"])).toMatchObject({ code: 0 });
      expect(await runOther(["sandbox", "stop"])).toMatchObject({ code: 0 });
      const stopped = (await listManagedContainers(docker)).find((c) => c.scope === other.workdir)!;
      expect(stopped.state).toBe("exited");
      expect(await run(["exec", "--", "true"])).toMatchObject({ code: 0 });
      const running = (await projectContainer())!;
      expect(running.state).toBe("running");
      const foreign = await docker.createContainer({
        name: `${FOREIGN}-stopped`,
        Image: "monoclaw-test/busybox:latest",
        Cmd: ["true"],
        HostConfig: { NetworkMode: "none" },
      });

      const result = await run(["sandbox", "prune"]);
      expect(result, result.stderr).toMatchObject({ code: 0 });
      expect(result.stdout).toContain(`${stopped.name}: removed`);
      const left = await listManagedContainers(docker);
      expect(left.find((c) => c.id === stopped.id)).toBeUndefined();
      expect(left.find((c) => c.id === running.id)?.state).toBe("running");
      expect((await foreign.inspect()).State.Status).toBe("created");
      await foreign.remove({ force: true });
    } finally {
      for (const container of await listManagedContainers(docker)) {
        if (container.scope === other.workdir) await removeManaged(docker, container.id);
      }
      other.remove();
    }
  });

  it("shell runs an interactive shell in the container (piped, without a terminal) and exits with its code", async () => {
    const result = await run(["sandbox", "shell"], 'echo "in $(pwd) as $(id -u)"; exit 7\n');
    expect(result).toMatchObject({ code: 7, stdout: "in /workspace as 0\n" });
    expect((await projectContainer())?.state).toBe("running");
  });
});

describe("monoclaw sandbox shell in a terminal", () => {
  it("opens a TTY shell in the container with the window size, and exits with its code", async () => {
    const cli = spawnCliInPty(["sandbox", "shell"], { env: t.env, cwd: t.workdir });
    try {
      cli.write("stty size; tty; echo $((6*7))\r");
      await cli.waitFor(/40 120[\s\S]*\/dev\/pts\/\d+[\s\S]*42/);
      cli.write("exit 5\r");
      expect(await cli.exited).toBe(5);
    } finally {
      cli.kill();
    }
  });
});

describe("monoclaw image build", () => {
  it("builds an image through the Engine API from -f and -t, with progress", async () => {
    writeFileSync(join(t.workdir, "payload.txt"), "copied from the context\n");
    writeFileSync(join(t.workdir, "Custom.Dockerfile"), "FROM monoclaw-test/busybox:latest\nCOPY payload.txt /payload.txt\nRUN echo built > /built.txt\n");
    const result = await run(["image", "build", "-f", "Custom.Dockerfile", "-t", IMAGE_TAG]);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    expect(result.stderr).toContain("Step 3/3 : RUN echo built > /built.txt");
    expect(result.stdout).toContain(`Built ${IMAGE_TAG}`);
    const container = await docker.createContainer({ Image: IMAGE_TAG, Cmd: ["cat", "/payload.txt", "/built.txt"], HostConfig: { NetworkMode: "none" } });
    try {
      await container.start();
      await container.wait();
      const logs = (await container.logs({ stdout: true })).toString("latin1");
      expect(logs).toContain("copied from the context");
      expect(logs).toContain("built");
    } finally {
      await container.remove({ force: true });
    }
  });

  it("never reads Dockerfile.monoclaw through a link made in the workspace (a host file's text never reaches the engine)", async () => {
    const hostFile = join(t.root, "host-secret.txt");
    writeFileSync(hostFile, "HOST-SECRET-never-sent-to-the-engine\n");
    symlinkSync(hostFile, join(t.workdir, "Dockerfile.monoclaw"));
    const linked = await run(["image", "build", "-t", IMAGE_TAG]);
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain("Dockerfile.monoclaw is a symbolic link");
    expect(`${linked.stdout}${linked.stderr}`).not.toContain("HOST-SECRET");
    // Positive control: a regular Dockerfile.monoclaw in the same place is used.
    rmSync(join(t.workdir, "Dockerfile.monoclaw"));
    writeFileSync(join(t.workdir, "Dockerfile.monoclaw"), "FROM monoclaw-test/busybox:latest\nRUN echo from-the-workspace-dockerfile\n");
    const regular = await run(["image", "build", "-t", IMAGE_TAG]);
    expect(regular, regular.stderr).toMatchObject({ code: 0 });
    expect(regular.stderr).toContain("from-the-workspace-dockerfile");
    rmSync(join(t.workdir, "Dockerfile.monoclaw"));
  });

  it("says clearly what is wrong with a bad Dockerfile or a missing -f", async () => {
    const missing = await run(["image", "build", "-f", "nope.Dockerfile"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read the Dockerfile");
    writeFileSync(join(t.workdir, "Broken.Dockerfile"), "FROM monoclaw-test/busybox:latest\nRUN exit 3\n");
    const broken = await run(["image", "build", "-f", "Broken.Dockerfile", "-t", IMAGE_TAG]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/Building .* failed: The command '.*exit 3' returned a non-zero code: 3/);
  });
});
