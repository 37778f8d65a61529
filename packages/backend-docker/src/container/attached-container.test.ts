import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDockerBackend } from "../docker-backend.js";
import Docker from "dockerode";
import { createAttachedContainer, inspectAttachedContainer } from "./attached-container.js";
import { BUSYBOX, containerNames, testDocker, text } from "../docker.test-helpers.js";

const names = containerNames("mc-test-attach");
const dataDir = mkdtempSync(join(tmpdir(), "monoclaw-attach-"));
afterAll(async () => {
  await names.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

/** What mom's docker.sh create does: a plain container the user made. */
async function userContainer(name: string, start = true) {
  const container = await testDocker.createContainer({
    name,
    Image: BUSYBOX,
    Cmd: ["tail", "-f", "/dev/null"],
    HostConfig: { NetworkMode: "none", Binds: [`${dataDir}:/workspace`] },
  });
  if (start) await container.start();
  return container;
}

describe("attach mode: an existing container used as is (mom)", () => {
  it("runs commands and files in it, and never stops or removes it", async () => {
    const name = names.next();
    const container = await userContainer(name);
    const backend = createDockerBackend({ container: name, workspacePath: "/workspace" });
    expect(backend.workspacePath).toBe("/workspace");
    await backend.writeFile("note.txt", "written by mom");
    expect(text((await backend.exec("cat note.txt")).stdout.head)).toBe("written by mom");
    await backend.dispose();
    const info = await container.inspect();
    expect(info.State.Running).toBe(true);
    expect(info.Config.Labels?.["dev.monoclaw.managed-by"]).toBeUndefined();
  });

  it("reports what is wrong with the fix, and never creates or starts it", async () => {
    const missing = names.next();
    expect(await inspectAttachedContainer(testDocker, missing, "/workspace")).toMatchObject({ exists: false, running: false });
    const backend = createDockerBackend({ container: missing, workspacePath: "/workspace" });
    await expect(backend.exec("true")).rejects.toThrow(new RegExp(`Container ${missing} does not exist`));
    expect(
      await testDocker
        .getContainer(missing)
        .inspect()
        .catch(() => "absent"),
    ).toBe("absent");

    const stopped = names.next();
    await userContainer(stopped, false);
    const info = await inspectAttachedContainer(testDocker, stopped, "/workspace");
    expect(info).toMatchObject({ exists: true, running: false, workspaceSource: dataDir, fix: `docker start ${stopped}` });
    const backend2 = createDockerBackend({ container: stopped, workspacePath: "/workspace" });
    await expect(backend2.exec("true")).rejects.toThrow(`docker start ${stopped}`);
    expect((await testDocker.getContainer(stopped).inspect()).State.Running).toBe(false);
    await backend.dispose();
    await backend2.dispose();
  });

  it("says the engine stopped answering, and how to check it, when the socket is gone", async () => {
    const unreachable = new Docker({ socketPath: join(dataDir, "no-such-docker.sock") });
    const target = createAttachedContainer(unreachable, "mom-sandbox", {
      workspacePath: "/workspace",
      allowDangerous: false,
      riskContext: async () => ({ homeDir: dataDir, localFilesystem: true }),
      log: () => undefined,
    });
    await expect(target.ensureRunning()).rejects.toThrow(/stopped answering while looking up container mom-sandbox: .*ENOENT.*`docker info`/);
  });

  it("tells which host directory is mounted at the workspace", async () => {
    const name = names.next();
    await userContainer(name);
    const info = await inspectAttachedContainer(testDocker, name, "/workspace");
    expect(info).toMatchObject({ exists: true, running: true, workspaceSource: dataDir, image: BUSYBOX });
    expect(info.fix).toBeUndefined();
  });
});
