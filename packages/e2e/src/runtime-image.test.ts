import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workspaceRoot } from "./published-packages.js";
import { runChecked, runCommand } from "./run-command.js";

/**
 * The monoclaw-runtime image (docker/Dockerfile), built the way CI builds it:
 * the local Node base from docker/test-images/build.sh, then
 * docker/build-runtime.sh on top. Then MonoClaw runs inside it against the
 * host's engine through the mounted socket, as "Running the full agent in
 * Docker" shows, and its Docker backend starts a sandbox whose bind mount is
 * given as a path inside the runtime container.
 */
const tag = "monoclaw-runtime:e2e";
const run = `monoclaw-e2e-rt-${randomBytes(3).toString("hex")}`;
const sandboxImage = "monoclaw-test/busybox:latest";
const cliVersion = JSON.parse(await readFile(path.join(workspaceRoot, "apps/cli/package.json"), "utf8")).version as string;
const momVersion = JSON.parse(await readFile(path.join(workspaceRoot, "apps/mom/package.json"), "utf8")).version as string;

let work: string;
let home: string;
let projectDir: string;
/** Where the project appears inside the runtime container: unique, so the sandboxes' scope label is ours alone. */
const projectMount = `/${run}`;
let runs = 0;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), `${run}-`));
  home = path.join(work, "home");
  projectDir = path.join(work, "project");
  await mkdir(path.join(home, ".monoclaw"), { recursive: true });
  await mkdir(projectDir);
  await runChecked("bash", [path.join(workspaceRoot, "docker/test-images/build.sh")], { timeoutMs: 900_000 });
  await runChecked("bash", [path.join(workspaceRoot, "docker/build-runtime.sh")], {
    env: { ...process.env, BASE_IMAGE: "monoclaw-test/node:20", TAG: tag },
    timeoutMs: 900_000,
  });
}, 1_200_000);

afterAll(async () => {
  // Runtime containers by name, sandboxes by the scope label the Docker backend sets from its working directory.
  const byName = await runCommand("docker", ["ps", "-aq", "--filter", `name=${run}`]);
  const byScope = await runCommand("docker", ["ps", "-aq", "--filter", `label=dev.monoclaw.scope=${projectMount}`]);
  const ids = new Set([byName, byScope].flatMap((r) => r.stdout.split("\n").filter(Boolean)));
  if (ids.size > 0) await runCommand("docker", ["rm", "-f", ...ids]);
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/**
 * `docker run` of the runtime image the way the product page shows it
 * (`-v ~/.monoclaw:/root/.monoclaw -v $(pwd):/projects -w /projects`), with
 * the engine socket mounted and no network for the runtime container itself.
 */
function runtime(args: string[], options: { socket?: boolean } = {}) {
  runs += 1;
  return runCommand(
    "docker",
    [
      "run", "--rm", "--name", `${run}-${runs}`, "--network", "none",
      "-v", `${path.join(home, ".monoclaw")}:/root/.monoclaw`,
      "-v", `${projectDir}:${projectMount}`,
      "-w", projectMount,
      ...(options.socket === false ? [] : ["-v", "/var/run/docker.sock:/var/run/docker.sock"]),
      tag, ...args,
    ],
    { timeoutMs: 300_000 },
  );
}

async function useConfig(lines: string[]): Promise<void> {
  await writeFile(path.join(home, ".monoclaw", "config.yaml"), lines.join("\n") + "\n");
}

describe("monoclaw-runtime image", () => {
  it("runs monoclaw and mom (--version)", async () => {
    expect(await runtime(["monoclaw", "--version"], { socket: false })).toMatchObject({ exitCode: 0, stdout: `${cliVersion}\n` });
    expect(await runtime(["mom", "--version"], { socket: false })).toMatchObject({ exitCode: 0, stdout: `${momVersion}\n` });
  });

  it("ships production dependencies only and no build tools", async () => {
    const result = await runtime(
      ["sh", "-c", "ls /opt/monoclaw/node_modules; ls /opt/monoclaw/node_modules/@monoclaw; echo ---; for t in gcc g++ cc make python3 pnpm tsc; do command -v $t; done; true"],
      { socket: false },
    );
    expect(result.exitCode).toBe(0);
    const [installed = "", buildTools = ""] = result.stdout.split("---\n");
    const entries = installed.split("\n");
    for (const devOnly of ["typescript", "vitest", "vite", "turbo", "testkit", "@lydell"]) expect(entries).not.toContain(devOnly);
    expect(entries).toEqual(expect.arrayContaining(["monoclaw", "core", "backend-host", "backend-docker", "mom"]));
    expect(buildTools).toBe("");
  });

  it("runs monoclaw exec on the host backend (inside the runtime container) in the mounted project", async () => {
    await writeFile(path.join(projectDir, "notes.txt"), "written on the host\n");
    await useConfig(["terminal:", "  backend: host"]);
    const result = await runtime(["monoclaw", "exec", "--", "pwd; cat notes.txt"], { socket: false });
    expect(result).toMatchObject({ exitCode: 0, stdout: `${projectMount}\nwritten on the host\n` });
  });

  it("starts a sandbox through the mounted socket whose bind mount, a path in the runtime container, shows the host files", async () => {
    await writeFile(path.join(projectDir, "marker.txt"), `marker ${run}\n`);
    await useConfig([
      "terminal:",
      "  backend: docker",
      "  docker:",
      `    image: "${sandboxImage}"`,
      "    network: none",
      "    pull: never",
      `    volumes: ["${projectMount}:/workspace"]`,
      "    workdir: /workspace",
    ]);
    const result = await runtime(["monoclaw", "exec", "--", "cat marker.txt && echo made in the sandbox > result.txt"]);
    expect(result.stderr).toBe("");
    expect(result).toMatchObject({ exitCode: 0, stdout: `marker ${run}\n` });
    // The write went through the sandbox's bind mount to the host directory.
    expect(await readFile(path.join(projectDir, "result.txt"), "utf8")).toBe("made in the sandbox\n");
  });

  it("refuses a bind-mount source that lives only inside the runtime container, saying how to fix it", async () => {
    await useConfig([
      "terminal:",
      "  backend: docker",
      "  docker:",
      `    image: "${sandboxImage}"`,
      "    network: none",
      "    pull: never",
      '    volumes: ["/opt/monoclaw:/workspace"]',
    ]);
    const result = await runtime(["monoclaw", "exec", "--", "ls", "/workspace"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/\/opt\/monoclaw is inside the MonoClaw container .* not on one of its mounts/);
    expect(result.stderr).toContain("docker run -v /host/dir:/opt/monoclaw");
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
