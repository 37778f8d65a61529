import { execFile } from "node:child_process";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MomStartupError } from "../cli/mom-startup-error.js";
import { parseMomArgs } from "../cli/mom-options.js";
import { openSandbox } from "./open-sandbox.js";

/**
 * mom's `--sandbox=docker:NAME` judges the container at start, before Slack:
 * the engine socket mounted stops her unless --allow-dangerous-sandbox;
 * a plain `docker run` container starts with each risk named; the container
 * `docker.sh create` makes starts without a word (the positive control).
 */
const script = fileURLToPath(new URL("../../docker.sh", import.meta.url));
const prefix = `mom-test-opensec-${process.pid}`;
let dataDir: string;

function docker(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(args[0] === "docker.sh" ? script : "docker", args[0] === "docker.sh" ? args.slice(1) : args, { env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? 1 : 0, stdout, stderr }),
    );
  });
}

async function open(name: string, allowDangerous = false) {
  const messages: string[] = [];
  const sandbox = await openSandbox({
    spec: { kind: "docker", container: name, ...(allowDangerous ? { allowDangerous: true } : {}) },
    dataDir,
    sandboxEnv: {},
    env: process.env,
    timeoutMs: 30_000,
    log: (message) => messages.push(message),
  });
  return { sandbox, log: messages.join("\n") };
}

beforeAll(async () => {
  dataDir = await realpath(await mkdtemp(join(tmpdir(), "mom-opensec-")));
});
afterAll(async () => {
  for (const suffix of ["hardened", "socket", "plain"]) await docker(["rm", "-f", `${prefix}-${suffix}`]);
  await rm(dataDir, { recursive: true, force: true });
});

describe("mom --sandbox=docker:NAME judges the container at start", () => {
  it("starts without a warning in the container docker.sh create makes (positive control)", async () => {
    const name = `${prefix}-hardened`;
    const env = { ...process.env, MOM_CONTAINER: name, MOM_IMAGE: "monoclaw-test/busybox:latest", MOM_NETWORK: "none" };
    expect(await docker(["docker.sh", "create", dataDir], env)).toMatchObject({ code: 0 });
    const { sandbox, log } = await open(name);
    try {
      expect(log).toBe("");
      const result = await sandbox.backend.exec("echo ran");
      expect(Buffer.from(result.stdout.head).toString()).toBe("ran\n");
    } finally {
      await sandbox.backend.dispose();
    }
  });

  it("refuses to start with the engine socket mounted, naming the socket and --allow-dangerous-sandbox; starts with the flag", async () => {
    const name = `${prefix}-socket`;
    expect(
      await docker([
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "none",
        "-v",
        `${dataDir}:/workspace`,
        "-v",
        "/var/run/docker.sock:/var/run/docker.sock",
        "monoclaw-test/busybox:latest",
        "sleep",
        "600",
      ]),
    ).toMatchObject({ code: 0 });
    const refused = await open(name).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MomStartupError);
    expect((refused as Error).message).toContain(
      `--sandbox=docker:${name}: Refusing to run commands in container ${name}: it mounts /var/run/docker.sock at /var/run/docker.sock`,
    );
    expect((refused as Error).message).toContain("or start mom with --allow-dangerous-sandbox if you really mean it");

    const { sandbox, log } = await open(name, true);
    try {
      expect(log).toContain(`warning: container ${name}: it mounts /var/run/docker.sock`);
      expect(log).toContain("(allowed by configuration)");
    } finally {
      await sandbox.backend.dispose();
    }
  });

  it("starts in a plain docker run container, naming each risk and the docker.sh that fixes it", async () => {
    const name = `${prefix}-plain`;
    expect(
      await docker([
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "none",
        "--pid",
        "host",
        "-v",
        `${dataDir}:/workspace`,
        "monoclaw-test/busybox:latest",
        "sleep",
        "600",
      ]),
    ).toMatchObject({ code: 0 });
    const { sandbox, log } = await open(name);
    try {
      expect(log).toContain("it keeps Docker's default capabilities");
      expect(log).toContain("it shares the host's processes (--pid host)");
      expect(log).toContain("no-new-privileges is not set");
      expect(log).toContain("./docker.sh remove && ./docker.sh create <data-dir> makes a hardened one");
    } finally {
      await sandbox.backend.dispose();
    }
  });

  it("takes --allow-dangerous-sandbox only with --sandbox=docker:<container>", () => {
    const io = { out: () => undefined, err: () => undefined };
    expect(parseMomArgs(["--sandbox=docker:box", "--allow-dangerous-sandbox", "./data"], {}, io)).toMatchObject({
      sandbox: { kind: "docker", container: "box", allowDangerous: true },
    });
    expect(parseMomArgs(["--sandbox=docker:box", "./data"], {}, io)).toMatchObject({ sandbox: { kind: "docker", container: "box" } });
    expect(() => parseMomArgs(["--allow-dangerous-sandbox", "./data"], {}, io)).toThrow("--allow-dangerous-sandbox goes with --sandbox=docker:<container>");
  });
});
