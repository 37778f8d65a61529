import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerCreateOptions } from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { isBackendError } from "@monoclaw/core/backend";
import { createDockerBackend } from "../docker-backend.js";
import { BUSYBOX, containerNames, testDocker, text } from "../docker.test-helpers.js";
import { ADDED_CAPABILITIES } from "./container-spec.js";

/**
 * Attach mode (`terminal.docker.container`, mom's `--sandbox=docker:NAME`)
 * against real containers: each dangerous HostConfig setting is named at the
 * first start with the flag that fixes it; privileged and an engine socket
 * are refused unless `allow_dangerous_container`; a hardened container runs
 * without a word (the positive control).
 */
const names = containerNames("mc-test-attachsec");
const dataDir = mkdtempSync(join(tmpdir(), "mc-attachsec-"));
afterAll(async () => {
  await names.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The hardening `docker.sh create` and managed containers get. */
const HARDENED: NonNullable<ContainerCreateOptions["HostConfig"]> = {
  NetworkMode: "none",
  CapDrop: ["ALL"],
  CapAdd: [...ADDED_CAPABILITIES],
  SecurityOpt: ["no-new-privileges"],
  PidsLimit: 256,
  Init: true,
  Binds: [`${dataDir}:/workspace`],
};

async function container(hostConfig: ContainerCreateOptions["HostConfig"], start = true): Promise<string> {
  const name = names.next();
  const created = await testDocker.createContainer({ name, Image: BUSYBOX, Cmd: ["sleep", "600"], HostConfig: { ...HARDENED, ...hostConfig } });
  if (start) await created.start();
  return name;
}

/** Runs `echo ran` in the attached container; returns what happened and what was logged. */
async function attachAndRun(name: string, options: { allow_dangerous_container?: boolean } = {}) {
  const messages: string[] = [];
  const backend = createDockerBackend({ container: name, workspacePath: "/workspace", log: (message) => messages.push(message), ...options });
  try {
    const result = await backend.exec("echo ran").then(
      (value) => ({ stdout: text(value.stdout.head), error: undefined }),
      (error: unknown) => ({ stdout: "", error: error as Error }),
    );
    return { ...result, log: messages.join("\n") };
  } finally {
    await backend.dispose();
  }
}

describe("attach mode judges the container it is given", () => {
  it("runs in a hardened container without a warning (positive control)", async () => {
    const outcome = await attachAndRun(await container({}));
    expect(outcome).toEqual({ stdout: "ran\n", error: undefined, log: "" });
  });

  it("refuses a container with the engine socket mounted, naming the socket and the knob; runs in it when allowed", async () => {
    const name = await container({ Binds: [`${dataDir}:/workspace`, "/var/run/docker.sock:/var/run/docker.sock"] });
    const refused = await attachAndRun(name);
    expect(isBackendError(refused.error, "INVALID")).toBe(true);
    expect(refused.error!.message).toContain(`Refusing to run commands in container ${name}: it mounts /var/run/docker.sock at /var/run/docker.sock`);
    expect(refused.error!.message).toContain("container engine socket");
    expect(refused.error!.message).toContain("terminal.docker.allow_dangerous_container: true");
    expect(refused.stdout).toBe("");

    const allowed = await attachAndRun(name, { allow_dangerous_container: true });
    expect(allowed.stdout).toBe("ran\n");
    expect(allowed.log).toContain(`warning: container ${name}: it mounts /var/run/docker.sock`);
    expect(allowed.log).toContain("(allowed by configuration)");
  });

  it("refuses a container that mounts a directory holding the engine socket (/var/run)", async () => {
    const name = await container({ Binds: [`${dataDir}:/workspace`, "/var/run:/hostrun"] });
    const refused = await attachAndRun(name);
    expect(refused.error?.message).toMatch(/it mounts \/var\/run at \/hostrun: it holds \/run\/\S+\.sock, a container engine socket/);
  });

  it("refuses a --privileged container before anything runs, and says so with the flag to drop", async () => {
    // Created, not started: this engine cannot start privileged containers; the refusal comes first anyway.
    const name = await container({ Privileged: true }, false);
    const refused = await attachAndRun(name);
    expect(isBackendError(refused.error, "INVALID")).toBe(true);
    expect(refused.error!.message).toContain("it runs --privileged");
    expect(refused.error!.message).toContain("drop --privileged");
    // Allowed, the refusal is lifted: what is left is that it does not run.
    const allowed = await attachAndRun(name, { allow_dangerous_container: true });
    expect(allowed.error?.message).toContain(`docker start ${name}`);
  });

  it("warns about an added capability (SYS_ADMIN) with the --cap-add to drop, and still runs", async () => {
    const name = await container({ CapAdd: [...ADDED_CAPABILITIES, "SYS_ADMIN"] });
    const outcome = await attachAndRun(name);
    expect(outcome.stdout).toBe("ran\n");
    expect(outcome.log).toContain(`warning: container ${name}: it adds capabilities SYS_ADMIN`);
    expect(outcome.log).toContain("docker run: drop --cap-add SYS_ADMIN");
  });

  it("warns about Docker's default capabilities and a missing no-new-privileges and pids limit (a plain docker run)", async () => {
    const name = await container({ CapDrop: [], CapAdd: [], SecurityOpt: [], PidsLimit: 0, Init: false });
    const outcome = await attachAndRun(name);
    expect(outcome.stdout).toBe("ran\n");
    expect(outcome.log).toContain("it keeps Docker's default capabilities");
    expect(outcome.log).toContain("--cap-drop ALL --cap-add CHOWN");
    expect(outcome.log).toContain("--security-opt no-new-privileges");
    expect(outcome.log).toContain("--pids-limit");
  });

  it("warns about --pid host", async () => {
    const name = await container({ PidMode: "host" });
    const outcome = await attachAndRun(name);
    expect(outcome.stdout).toBe("ran\n");
    expect(outcome.log).toContain(`warning: container ${name}: it shares the host's processes (--pid host)`);
  });

  it("warns about --network host and --network container:<id>", async () => {
    const host = await container({ NetworkMode: "host" });
    const outcome = await attachAndRun(host);
    expect(outcome.stdout).toBe("ran\n");
    expect(outcome.log).toContain(`warning: container ${host}: --network host shares the host's network with the container`);

    const joined = await container({ NetworkMode: `container:${host}` });
    const second = await attachAndRun(joined);
    expect(second.stdout).toBe("ran\n");
    const hostId = (await testDocker.getContainer(host).inspect()).Id;
    expect(second.log).toContain(`shares the network of container ${hostId}`);
  });

  it("warns about a writable key directory bound into it, and names nothing for a read-only one", async () => {
    const home = mkdtempSync(join(tmpdir(), "mc-attachsec-home-"));
    try {
      const { mkdirSync } = await import("node:fs");
      mkdirSync(join(home, ".ssh"));
      const hostEnv = { HOME: home };
      const run = async (bind: string) => {
        const name = await container({ Binds: [`${dataDir}:/workspace`, bind] });
        const messages: string[] = [];
        const backend = createDockerBackend({ container: name, workspacePath: "/workspace", hostEnv, log: (m) => messages.push(m) });
        try {
          await backend.exec("true");
        } finally {
          await backend.dispose();
        }
        return messages.join("\n");
      };
      expect(await run(`${home}/.ssh:/root/.ssh`)).toContain(`${join(home, ".ssh")} holds keys or credentials`);
      expect(await run(`${home}/.ssh:/root/.ssh:ro`)).toBe("");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
