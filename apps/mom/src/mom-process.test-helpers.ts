import { type ChildProcess, spawn } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { type MomHarness, until } from "./mom.test-helpers.js";

/** The built `mom` binary: these tests run what users run (build first). */
export const MOM_BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

export interface MomExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** `Date.now()` when the process exited. */
  at: number;
}

/** mom in her own process, as users run her. */
export interface SpawnedMom {
  process: ChildProcess;
  /** Everything she wrote to stderr so far. */
  stderr(): string;
  exited: Promise<MomExit>;
  /** SIGKILL, if she still runs (test clean-up). */
  kill(): void;
}

/** Starts `mom --sandbox=host <dataDir>` with the harness's environment; resolves once she is connected to the fake Slack. */
export async function spawnMom(h: MomHarness): Promise<SpawnedMom> {
  const proc = spawn(process.execPath, [MOM_BIN, "--sandbox=host", h.dataDir], { env: h.env, cwd: dirname(h.dataDir), stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  proc.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<MomExit>((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })));
  const mom: SpawnedMom = {
    process: proc,
    stderr: () => err,
    exited,
    kill: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    },
  };
  await until(() => err.includes("connected to Slack") || proc.exitCode !== null, "mom to connect");
  expect(err).toContain("connected to Slack");
  return mom;
}

/** Mentions mom in #general and waits for her scripted answer `answer` (a positive control before the part under test). */
export async function answersAMention(h: MomHarness, text: string, answer: string): Promise<void> {
  h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: `<@UBOT> ${text}` });
  await h.fake.waitFor(() => h.fake.botMessages("CGENERAL").find((m) => m.text === answer), { description: `mom's answer "${answer}"` });
}
