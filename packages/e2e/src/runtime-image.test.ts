import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { startFakeSlack, startModelServer, step } from "@monoclaw/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workspaceRoot } from "./published-packages.js";
import { spawnInPty } from "./pty-session.js";
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
      "run",
      "--rm",
      "--name",
      `${run}-${runs}`,
      "--network",
      "none",
      "-v",
      `${path.join(home, ".monoclaw")}:/root/.monoclaw`,
      "-v",
      `${projectDir}:${projectMount}`,
      "-w",
      projectMount,
      ...(options.socket === false ? [] : ["-v", "/var/run/docker.sock:/var/run/docker.sock"]),
      tag,
      ...args,
    ],
    { timeoutMs: 300_000 },
  );
}

async function useConfig(lines: string[]): Promise<void> {
  await writeFile(path.join(home, ".monoclaw", "config.yaml"), lines.join("\n") + "\n");
}

/**
 * config.yaml lines for the Docker backend with the busybox sandbox image, no
 * network, no pull and the one volume `volume` ("source:target"), then
 * `extra` lines under `docker:`.
 */
function dockerSandboxConfig(volume: string, extra: string[] = []): string[] {
  return [
    "terminal:",
    "  backend: docker",
    "  docker:",
    `    image: "${sandboxImage}"`,
    "    network: none",
    "    pull: never",
    `    volumes: ["${volume}"]`,
    ...extra,
  ];
}

describe("monoclaw-runtime image", () => {
  it("runs monoclaw and mom (--version)", async () => {
    expect(await runtime(["monoclaw", "--version"], { socket: false })).toMatchObject({ exitCode: 0, stdout: `${cliVersion}\n` });
    expect(await runtime(["mom", "--version"], { socket: false })).toMatchObject({ exitCode: 0, stdout: `${momVersion}\n` });
  });

  it("ships production dependencies only and no build tools", async () => {
    const result = await runtime(
      [
        "sh",
        "-c",
        "ls /opt/monoclaw/node_modules; ls /opt/monoclaw/node_modules/@monoclaw; echo ---; for t in gcc g++ cc make python3 pnpm tsc; do command -v $t; done; true",
      ],
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
    await useConfig(dockerSandboxConfig(`${projectMount}:/workspace`, ["    workdir: /workspace"]));
    const result = await runtime(["monoclaw", "exec", "--", "cat marker.txt && echo made in the sandbox > result.txt"]);
    expect(result.stderr).toBe("");
    expect(result).toMatchObject({ exitCode: 0, stdout: `marker ${run}\n` });
    // The write went through the sandbox's bind mount to the host directory.
    expect(await readFile(path.join(projectDir, "result.txt"), "utf8")).toBe("made in the sandbox\n");
  });

  it("monoclaw doctor explains the mode: which container it runs in and how volume sources map to host paths", async () => {
    await useConfig(dockerSandboxConfig(`${projectMount}:/workspace`));
    const result = await runtime(["monoclaw", "doctor"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(
      new RegExp(`✓ MonoClaw runs in container ${run}-\\d+ \\([0-9a-f]{12}, found by mountinfo\\): volume sources are translated to host paths`),
    );
    expect(result.stdout).toContain(`${projectMount} -> ${projectDir}`);
  });

  it("refuses a bind-mount source that lives only inside the runtime container, saying how to fix it", async () => {
    // /srv: a directory of the image that the mount policy allows (/opt, where MonoClaw lives, is a protected system tree).
    await useConfig(dockerSandboxConfig("/srv:/workspace"));
    const result = await runtime(["monoclaw", "exec", "--", "ls", "/workspace"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/\/srv is inside the MonoClaw container .* not on one of its mounts/);
    expect(result.stderr).toContain("docker run -v /host/dir:/srv");
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe("the product page's command: docker run -it ... monoclaw-runtime:latest monoclaw", () => {
  it("runs an interactive session in the mounted project, the model's commands seeing its files", async () => {
    // The model is a scripted server on 127.0.0.1; the runtime container shares the host's network to reach it.
    const model = await startModelServer([step.toolCall("bash", { command: "pwd; cat notes.txt" }), step.text("The notes were read.")]);
    const pageHome = path.join(work, "page-home");
    const pageProject = path.join(work, "page-project");
    await mkdir(path.join(pageHome, ".monoclaw"), { recursive: true });
    await mkdir(pageProject);
    await writeFile(path.join(pageProject, "notes.txt"), "notes from the current directory\n");
    await writeFile(
      path.join(pageHome, ".monoclaw", "config.yaml"),
      ["model: openai-compatible/scripted-model", "providers:", "  openai-compatible:", `    base_url: ${model.baseURL}`, ""].join("\n"),
    );
    const name = `${run}-page`;
    // Exactly the page's command line (with this test's ~ and $(pwd)), plus a name to clean up and the host network.
    const session = spawnInPty(
      "docker",
      [
        "run",
        "-it",
        "--name",
        name,
        "--network",
        "host",
        "-v",
        `${pageHome}/.monoclaw:/root/.monoclaw`,
        "-v",
        `${pageProject}:/projects`,
        "-w",
        "/projects",
        tag,
        "monoclaw",
      ],
      { cwd: pageProject, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: pageHome, TERM: "xterm-256color" } },
    );
    try {
      await session.waitFor(/› $/);
      session.write("what do the notes say?\r");
      await session.waitFor(/bash pwd; cat notes\.txt\n\s+│ \/projects\n\s+│ notes from the current directory/);
      await session.waitFor(/The notes were read\.\n› $/);
      session.write("/exit\r");
      expect(await session.exited).toBe(0);
      expect(model.requests).toHaveLength(2);
    } finally {
      session.kill();
      await runCommand("docker", ["rm", "-f", name]);
      await model.close();
    }
  });
});

/**
 * Polls `find` until it returns a value. Rejects with the container's output
 * as soon as the container `name` stops, or after `timeoutMs`.
 */
async function waitForAnswer<T>(find: () => T | undefined, name: string, timeoutMs = 150_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    const state = await runCommand("docker", ["inspect", "-f", "{{.State.Running}}", name]);
    if (state.stdout.trim() !== "true" || Date.now() > deadline) {
      const logs = await runCommand("docker", ["logs", name]);
      const why = state.stdout.trim() === "true" ? `no answer within ${timeoutMs} ms` : `${name} stopped`;
      throw new Error(`${why}; its output:\n${logs.stdout}${logs.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("mom in Docker (docker/mom-compose.yaml: mom from the runtime image, tools in a sandbox container)", () => {
  it("answers a Slack mention after running bash in the sandbox, which sees the data directory mom sees at /data", { timeout: 240_000 }, async () => {
    const fake = await startFakeSlack();
    fake.addUser({ id: "UALICE", name: "alice" });
    fake.addChannel({ id: "CGENERAL", name: "general" });
    const model = await startModelServer([step.toolCall("bash", { command: "cat /workspace/hello.txt; hostname" }), step.text("Read it in the sandbox.")]);
    const dataDir = path.join(work, "mom-data");
    const momHome = path.join(work, "mom-home");
    await mkdir(dataDir);
    await mkdir(momHome);
    await writeFile(path.join(dataDir, "hello.txt"), `hello from the data dir ${run}\n`);
    await writeFile(
      path.join(momHome, "config.yaml"),
      ["model: anthropic/scripted-model", "providers:", "  anthropic:", `    base_url: ${model.baseURL}`, "    api_key: sk-ant-e2e-0123456789", ""].join("\n"),
    );
    const sandbox = `${run}-mom-sandbox`;
    const mom = `${run}-mom`;
    try {
      // The compose file's `sandbox` service (busybox for alpine, and no network in tests).
      await runChecked("docker", [
        "run",
        "-d",
        "--name",
        sandbox,
        "--init",
        "--network",
        "none",
        "--pids-limit",
        "512",
        "--security-opt",
        "no-new-privileges",
        "-v",
        `${dataDir}:/workspace`,
        "-w",
        "/workspace",
        sandboxImage,
        "tail",
        "-f",
        "/dev/null",
      ]);
      // The compose file's `mom` service; the host network reaches the fake Slack and model server on 127.0.0.1.
      await runChecked("docker", [
        "run",
        "-d",
        "--name",
        mom,
        "--init",
        "--network",
        "host",
        "-v",
        `${dataDir}:/data`,
        "-v",
        "/var/run/docker.sock:/var/run/docker.sock",
        "-v",
        `${momHome}:/root/.monoclaw`,
        "-e",
        `MOM_SLACK_BOT_TOKEN=${fake.botToken}`,
        "-e",
        `MOM_SLACK_APP_TOKEN=${fake.appToken}`,
        "-e",
        `MOM_SLACK_API_URL=${fake.apiUrl}`,
        tag,
        "mom",
        `--sandbox=docker:${sandbox}`,
        "/data",
      ]);
      fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> what does hello.txt say?" });
      const answer = await waitForAnswer(() => fake.botMessages("CGENERAL").find((m) => m.text === "Read it in the sandbox."), mom);
      const sandboxHostname = (await runChecked("docker", ["exec", sandbox, "hostname"])).stdout.trim();
      const details = fake
        .threadReplies("CGENERAL", answer.ts)
        .map((m) => m.text)
        .join("\n");
      expect(details).toContain(`hello from the data dir ${run}`);
      expect(details).toContain(sandboxHostname);
      // mom keeps the channel log in the data directory, on the host through its /data mount.
      expect(await readFile(path.join(dataDir, "CGENERAL", "log.jsonl"), "utf8")).toContain("Read it in the sandbox.");
    } finally {
      await runCommand("docker", ["rm", "-f", mom, sandbox]);
      await model.close();
      await fake.close();
    }
  });
});
