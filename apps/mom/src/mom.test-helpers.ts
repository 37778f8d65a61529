import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeSlack, startModelServer, type FakeSlack, type ModelServer, type ScriptedStep } from "@monoclaw/testkit";
import { startMom, type RunningMom } from "./cli/start-mom.js";

/** The model key tests configure; it must never show up in Slack or the sandbox. */
export const MODEL_KEY = "sk-ant-test-model-key-0123456789";
export const DOCKER_SCRIPT = fileURLToPath(new URL("../docker.sh", import.meta.url));

export interface MomHarness {
  fake: FakeSlack;
  model: ModelServer;
  dataDir: string;
  home: string;
  env: Record<string, string>;
  stderr: string[];
  mom?: RunningMom;
  start(args: string[]): Promise<RunningMom>;
  close(): Promise<void>;
}

/** A fake Slack, a scripted model server, a data dir and a MONOCLAW_HOME whose config points at the model server. */
export async function createHarness(script: ScriptedStep[] = [], options: { dataDir?: string } = {}): Promise<MomHarness> {
  const fake = await startFakeSlack();
  fake.addUser({ id: "UALICE", name: "alice" });
  fake.addChannel({ id: "CGENERAL", name: "general" });
  fake.addChannel({ id: "CRANDOM", name: "random" });
  fake.addChannel({ id: "DALICE", isIm: true, user: "UALICE" });
  const model = await startModelServer(script);
  const root = await mkdtemp(join(tmpdir(), "mom-e2e-"));
  const dataDir = options.dataDir ?? join(root, "data");
  const home = join(root, "home");
  await mkdir(dataDir, { recursive: true });
  await mkdir(home, { recursive: true });
  await writeFile(
    join(home, "config.yaml"),
    `model: anthropic/scripted-model\nproviders:\n  anthropic:\n    base_url: ${model.baseURL}\n    api_key: ${MODEL_KEY}\n`,
  );
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    MONOCLAW_HOME: home,
    MOM_SLACK_BOT_TOKEN: fake.botToken,
    MOM_SLACK_APP_TOKEN: fake.appToken,
    MOM_SLACK_API_URL: fake.apiUrl,
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
  };
  const stderr: string[] = [];
  const harness: MomHarness = {
    fake,
    model,
    dataDir,
    home,
    env,
    stderr,
    async start(args) {
      const started = await startMom(args, { out: () => undefined, err: (t) => stderr.push(t), env, cwd: root });
      if ("exit" in started) throw new Error("mom printed help instead of starting");
      harness.mom = started;
      return started;
    },
    async close() {
      await harness.mom?.stop();
      await fake.close();
      await model.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  return harness;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Creates the sandbox container the way users do: `docker.sh create` (busybox image, no network). */
export async function createSandboxContainer(name: string, dataDir: string): Promise<void> {
  const result = await run(DOCKER_SCRIPT, ["create", dataDir], {
    ...process.env,
    MOM_CONTAINER: name,
    MOM_IMAGE: "monoclaw-test/busybox:latest",
    MOM_NETWORK: "none",
    MOM_MEMORY: "512m",
    MOM_CPUS: "1",
  });
  if (result.code !== 0) throw new Error(`docker.sh create failed: ${result.stderr}`);
}

export async function removeContainer(name: string): Promise<void> {
  await run("docker", ["rm", "-f", name]);
}

/** Polls until `fn` returns true (for state outside the fake Slack, such as files and processes). */
export async function until(fn: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
