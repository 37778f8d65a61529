import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEngine, listManagedContainers, processDiscoveryEnvironment, removeManaged } from "@monoclaw/backend-docker";
import { spawnInPty, type PtyCli } from "../agent/cli-process.test-helpers.js";
import { BIN, createTestHome, dockerTestConfig, runBin, type TestHome } from "../cli.test-helpers.js";

/**
 * `monoclaw completion bash|zsh|fish`: each script is loaded into the real
 * shell, interactive in a pseudo-terminal, and completes what a user types
 * with TAB. Container names come from the real engine.
 */
let t: TestHome;
let env: Record<string, string>;
let containerName: string;

beforeAll(async () => {
  t = createTestHome();
  t.writeConfig(dockerTestConfig(t.workdir));
  // `monoclaw` on PATH, as an installed bin would be: the scripts call it for container names.
  const bin = join(t.root, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "monoclaw"), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(join(bin, "monoclaw"), 0o755);
  env = { ...t.env, PATH: `${bin}:${t.env.PATH}`, TERM: "dumb" };
  for (const shell of ["bash", "zsh", "fish"]) {
    const printed = await runBin(["completion", shell], { env, cwd: t.workdir });
    expect(printed, printed.stderr).toMatchObject({ code: 0 });
    writeFileSync(join(t.root, `completion.${shell}`), printed.stdout);
  }
  expect(await runBin(["exec", "--", "true"], { env, cwd: t.workdir })).toMatchObject({ code: 0 });
  const docker = (await connectEngine(processDiscoveryEnvironment())).docker;
  containerName = (await listManagedContainers(docker)).find((c) => c.scope === t.workdir)!.name;
});

afterAll(async () => {
  const docker = (await connectEngine(processDiscoveryEnvironment())).docker;
  for (const container of await listManagedContainers(docker)) {
    if (container.scope === t.workdir) await removeManaged(docker, container.id);
  }
  t.remove();
});

const shells = {
  bash: { args: ["--norc", "--noprofile", "-i"], load: (file: string) => `source ${file}` },
  zsh: { args: ["-f", "-i"], load: (file: string) => `source ${file}` },
  fish: { args: ["--no-config", "-i"], load: (file: string) => `source ${file}` },
} as const;

/** An interactive shell with the completion script loaded, ready at its prompt. */
async function shellWithCompletion(shell: keyof typeof shells): Promise<PtyCli> {
  const session = spawnInPty(shell, [...shells[shell].args], { env, cwd: t.workdir });
  session.write(
    `${shells[shell].load(join(t.root, `completion.${shell}`))}; echo loaded-$((6*7))\r`.replace("$((6*7))", shell === "fish" ? "(math 6 x 7)" : "$((6*7))"),
  );
  await session.waitFor(/loaded-42/);
  return session;
}

/** Types `line` and a TAB (twice where the shell lists candidates only then); resolves with the output after it. */
async function complete(session: PtyCli, line: string, expected: RegExp): Promise<void> {
  const from = session.output().length;
  session.write(`${line}\t`);
  try {
    await session.waitFor(expected, { from, timeoutMs: 10_000 });
  } catch {
    session.write("\t");
    await session.waitFor(expected, { from, timeoutMs: 20_000 });
  }
  session.write("\u0015"); // Ctrl-U: clear the line for the next case
}

describe.each(Object.keys(shells) as (keyof typeof shells)[])("monoclaw completion %s in the real shell", (shell) => {
  let session: PtyCli;
  beforeAll(async () => {
    session = await shellWithCompletion(shell);
  });
  afterAll(() => session?.kill());

  it("completes a command and a subcommand", async () => {
    await complete(session, "monoclaw sandb", /monoclaw sandbox/);
    await complete(session, "monoclaw sandbox pru", /monoclaw sandbox prune/);
  });

  it("completes an option and the backend names for --backend", async () => {
    await complete(session, "monoclaw exec --time", /monoclaw exec --timeout/);
    await complete(session, "monoclaw exec --backend do", /monoclaw exec --backend docker/);
  });

  it("completes MonoClaw's container names for sandbox stop (from the real engine)", async () => {
    await complete(session, `monoclaw sandbox stop ${containerName.slice(0, -3)}`, new RegExp(`monoclaw sandbox stop ${containerName}`));
  });

  it("completes the shells for completion itself", async () => {
    await complete(session, "monoclaw completion fi", /monoclaw completion fish/);
  });
});

describe("monoclaw completion", () => {
  it("refuses an unknown shell with the list of known ones, without a stack trace", async () => {
    const result = await runBin(["completion", "tcsh"], { env, cwd: t.workdir });
    expect(result).toMatchObject({ code: 2 });
    expect(result.stderr).toContain("unknown shell 'tcsh'; use one of: bash, zsh, fish");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
