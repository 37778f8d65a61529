import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installTarballs, npmEnv, packPackage, resolvedSources, type PackedPackage } from "./pack-and-install.js";
import { manifestProblems } from "./manifest-checks.js";
import { publishedPackages, workspaceRoot } from "./published-packages.js";
import { runCommand } from "./run-command.js";

/**
 * The proof that every published package works on its own: pack each one as
 * `pnpm publish` would, install the tarballs with npm into a project outside
 * the workspace, and use them there the way a user would.
 */
const docker = new Dockerode({ socketPath: "/var/run/docker.sock" });
const consumerScripts = path.join(import.meta.dirname, "consumer");

let work: string;
let project: string;
const packed = new Map<string, PackedPackage>();

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "monoclaw-e2e-pack-"));
  project = path.join(work, "consumer");
  const tarballs = path.join(work, "tarballs");
  await mkdir(tarballs);
  for (const pkg of publishedPackages) packed.set(pkg.name, await packPackage(pkg, tarballs));
  await installTarballs(
    project,
    [...packed.values()].map((p) => p.tarball),
  );
  await cp(consumerScripts, project, { recursive: true });
}, 900_000);

afterAll(async () => {
  if (work === undefined) return;
  const leftovers = await docker.listContainers({ all: true, filters: { label: [`dev.monoclaw.scope=${work}`] } });
  await Promise.all(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  await rm(work, { recursive: true, force: true });
});

/** Runs a script or bin in the consumer project with a private HOME, so no user config leaks in. */
function inConsumer(file: string, args: string[], options: { cwd?: string } = {}) {
  return runCommand(file, args, {
    cwd: options.cwd ?? project,
    env: { PATH: process.env.PATH, HOME: path.join(work, "home"), LANG: "C.UTF-8", NO_COLOR: "1" },
    timeoutMs: 300_000,
  });
}

/** How many tests the workspace's host backend registers under `prefix` (vitest list: collected, not run). */
async function workspaceConformanceCount(prefix: string): Promise<number> {
  const listed = path.join(work, "workspace-tests.json");
  const result = await runCommand(path.join(workspaceRoot, "node_modules", ".bin", "vitest"), ["list", `--json=${listed}`], {
    cwd: path.join(workspaceRoot, "packages", "backend-host"),
    timeoutMs: 120_000,
  });
  expect(result.exitCode, result.stderr).toBe(0);
  const tests = JSON.parse(await readFile(listed, "utf8")) as { name: string }[];
  const count = tests.filter((test) => test.name.startsWith(prefix)).length;
  expect(count, `the workspace registers tests under '${prefix}'`).toBeGreaterThan(0);
  return count;
}

/** A command-line tool installed in the workspace (publint, attw, api-extractor). */
function tool(name: string): string {
  return path.join(workspaceRoot, "node_modules", ".bin", name);
}

/**
 * Writes the first ```ts block under `heading` in the installed @monoclaw/core
 * README to `file` in the consumer project; fails the test if there is none.
 */
async function writeReadmeBlock(heading: string, file: string): Promise<void> {
  const readme = await readFile(path.join(project, "node_modules", "@monoclaw", "core", "README.md"), "utf8");
  const start = readme.indexOf(heading);
  const block = start === -1 ? undefined : /```ts\n([\s\S]*?)```/.exec(readme.slice(start + heading.length))?.[1];
  expect(block, `README.md has a ts block under '${heading}'`).toBeDefined();
  await writeFile(path.join(project, file), block!);
}

describe.each(publishedPackages.map((pkg) => [pkg.name, pkg] as const))("%s as published", (name) => {
  it("ships README, LICENSE, types, an exports map and a files list, and no workspace ranges", () => {
    const pkg = packed.get(name);
    expect(pkg?.name).toBe(name);
    expect(manifestProblems(pkg!)).toEqual([]);
  });

  it("passes publint (package.json fields against the files it ships)", async () => {
    const pkg = packed.get(name)!;
    const result = await runCommand(tool("publint"), ["run", "--strict", pkg.tarball], { cwd: work, timeoutMs: 120_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  });

  it("has types that resolve for ESM consumers under node16 and bundler resolution (arethetypeswrong)", async () => {
    const pkg = packed.get(name)!;
    const result = await runCommand(tool("attw"), [pkg.tarball, "--profile", "esm-only", "--format", "ascii", "--no-color"], { cwd: work, timeoutMs: 120_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  });

  it("is installed from its tarball, not from the registry", async () => {
    const sources = await resolvedSources(project);
    expect(sources.get(name)).toMatch(/^file:.*\.tgz$/);
    const installed = JSON.parse(await readFile(path.join(project, "node_modules", name, "package.json"), "utf8"));
    expect(installed.version).toBe(packed.get(name)?.version);
  });
});

describe("the installed packages", () => {
  it("type-check from a TypeScript consumer (NodeNext, strict), the core README's backend example included", async () => {
    await writeReadmeBlock("## Writing a backend", "readme-backend.ts");
    const tsc = path.join(workspaceRoot, "node_modules", "typescript", "bin", "tsc");
    const result = await inConsumer(process.execPath, [tsc, "-p", "tsconfig.consumer.json"]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  });

  it("run a command through core and the host backend", async () => {
    const result = await inConsumer(process.execPath, ["host-exec.mjs"]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      specificationVersion: "v1",
      backend: "host",
      exitCode: 0,
      stdout: "hello from the host backend\n",
    });
  });

  it("run a command in a container through the Docker backend", async () => {
    const result = await inConsumer(process.execPath, ["docker-exec.mjs", "monoclaw-test/busybox:latest", work]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      specificationVersion: "v1",
      backend: "docker",
      exitCode: 0,
      stdout: "hello from a container\n",
      // network none: only the loopback interface exists.
      interfaces: "lo\n",
    });
  });
});

describe("the @monoclaw/core README, followed in the consumer project", () => {
  it("its minimal example runs as written", async () => {
    await writeReadmeBlock("## A minimal example", "readme-example.mjs");
    const result = await inConsumer(process.execPath, ["readme-example.mjs"]);
    expect(result).toMatchObject({ exitCode: 0, stderr: "" });
    // The live chunks, then `exitCode timedOut durationMs`.
    expect(result.stdout).toMatch(/^hello from Linux\n0 false \d+(\.\d+)?\n$/);
  });

  it("a third party runs the conformance suite from @monoclaw/core/testing with its own vitest", { timeout: 900_000 }, async () => {
    const rootManifest = JSON.parse(await readFile(path.join(workspaceRoot, "package.json"), "utf8"));
    const vitestVersion = rootManifest.devDependencies.vitest as string;
    const install = await runCommand("npm", ["install", "--save-dev", "--ignore-scripts", "--no-audit", "--no-fund", `vitest@${vitestVersion}`], {
      cwd: project,
      env: npmEnv(),
      timeoutMs: 600_000,
    });
    expect(install.exitCode, install.stderr).toBe(0);
    const report = path.join(work, "conformance.json");
    const result = await inConsumer(path.join(project, "node_modules", ".bin", "vitest"), [
      "run",
      "host-conformance.test.mjs",
      "--reporter=json",
      `--outputFile=${report}`,
      "--testTimeout=120000",
    ]);
    const summary = JSON.parse(await readFile(report, "utf8")) as { numTotalTests: number; numPassedTests: number; numFailedTests: number };
    expect(summary.numFailedTests, result.stdout.slice(-3000) + result.stderr.slice(-3000)).toBe(0);
    expect(summary.numPassedTests).toBe(summary.numTotalTests);
    // All of the suite ran: as many tests as the workspace's own host conformance run registers.
    expect(summary.numTotalTests).toBe(await workspaceConformanceCount("backend conformance: host >"));
    expect(result.exitCode).toBe(0);
  });
});

describe("the installed bins", () => {
  const bin = (name: string) => path.join(project, "node_modules", ".bin", name);

  it.each(publishedPackages.filter((p) => p.bins.length > 0).flatMap((p) => p.bins.map((b) => [b, p.name] as const)))(
    "%s --version prints the version of %s",
    async (name, pkgName) => {
      const result = await inConsumer(bin(name), ["--version"]);
      expect(result).toMatchObject({ exitCode: 0, stderr: "" });
      expect(result.stdout.trim()).toBe(packed.get(pkgName)?.version);
    },
  );

  it("monoclaw --help lists exec, config and doctor", async () => {
    const result = await inConsumer(bin("monoclaw"), ["--help"]);
    expect(result).toMatchObject({ exitCode: 0, stderr: "" });
    for (const command of ["exec", "config", "doctor"]) expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
  });

  it("mom --help shows the --sandbox option", async () => {
    const result = await inConsumer(bin("mom"), ["--help"]);
    expect(result).toMatchObject({ exitCode: 0, stderr: "" });
    expect(result.stdout).toContain("--sandbox");
  });

  it("monoclaw exec runs a command on the host", async () => {
    const cwd = path.join(work, "project-host");
    await mkdir(cwd, { recursive: true });
    const result = await inConsumer(bin("monoclaw"), ["exec", "--", "echo $((6 * 7)) from $(basename $PWD)"], { cwd });
    expect(result).toMatchObject({ exitCode: 0, stdout: "42 from project-host\n" });
  });

  it("monoclaw exec runs a command in a container when config.yaml says terminal.backend: docker", async () => {
    const home = path.join(work, "home");
    await mkdir(path.join(home, ".monoclaw"), { recursive: true });
    await writeFile(
      path.join(home, ".monoclaw", "config.yaml"),
      ["terminal:", "  backend: docker", "  docker:", '    image: "monoclaw-test/busybox:latest"', "    network: none", "    pull: never", ""].join("\n"),
    );
    try {
      const result = await inConsumer(bin("monoclaw"), ["exec", "--", "test -f /.dockerenv && ls /sys/class/net"], {
        cwd: work,
      });
      expect(result).toMatchObject({ exitCode: 0, stdout: "lo\n" });
    } finally {
      await rm(path.join(home, ".monoclaw", "config.yaml"));
    }
  });
});
