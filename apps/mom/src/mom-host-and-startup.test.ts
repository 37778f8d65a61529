import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { step } from "@monoclaw/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { MomStartupError } from "./cli/mom-startup-error.js";
import { startMom } from "./cli/start-mom.js";
import { MODEL_KEY, createHarness, run, type MomHarness } from "./mom.test-helpers.js";

// mom end to end in host mode and her startup checks: the real @slack/bolt
// client against the fake Slack, the real AI SDK Anthropic client against the
// scripted model server, the real host backend.

let harness: MomHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

async function startError(h: MomHarness, args: string[], env: Record<string, string | undefined> = h.env): Promise<string> {
  try {
    const started = await startMom(args, { out: () => undefined, err: () => undefined, env, cwd: h.home });
    if (!("exit" in started)) await started.stop();
  } catch (error) {
    expect(error).toBeInstanceOf(MomStartupError);
    return (error as Error).message;
  }
  throw new Error("mom started although it should have refused");
}

describe("mom on the host", () => {
  it("answers a DM with a command run on the host, warns at start, and keeps secrets out of the command env and Slack", async () => {
    harness = await createHarness([step.toolCall("bash", { command: "env" }), step.text(`Done. By the way the key is ${MODEL_KEY}`)]);
    harness.env.MY_MODEL_KEY_COPY = MODEL_KEY;
    await harness.start(["--sandbox=host", harness.dataDir]);
    expect(harness.stderr.join("")).toContain("WARNING: --sandbox=host runs every command directly on this machine");

    const { fake } = harness;
    fake.postUserMessage({ channel: "DALICE", user: "UALICE", text: "show me your environment" });
    const final = "Done. By the way the key is [REDACTED:providers.anthropic.api_key]";
    // progress updates also start with the streamed text: wait for the final answer itself
    const main = await fake.waitFor(() => fake.botMessages("DALICE").find((m) => m.text === final), { description: "the answer" });
    const detail = fake.threadReplies("DALICE", main.ts)[0];
    expect(detail?.text).toContain("*bash* `env` (exit 0");
    expect(detail?.text).toContain("MONOCLAW_HOME=");

    const toolResult = harness.model.requests[1]?.toolResults[0]?.content ?? "";
    expect(toolResult).toContain(`PWD=${join(harness.dataDir, "DALICE", "scratch")}`);
    for (const secret of [fake.botToken, fake.appToken, MODEL_KEY]) {
      expect(toolResult).not.toContain(secret);
      for (const call of fake.calls) expect(JSON.stringify(call.args)).not.toContain(secret);
    }
    expect(toolResult).not.toContain("MOM_SLACK_");
    expect(toolResult).not.toContain("MY_MODEL_KEY_COPY");
  });
});

describe("mom's memory across restarts", () => {
  it("gives the model the channel's stored context, memory and skills after a restart", async () => {
    harness = await createHarness([step.text("First answer."), step.text("Second answer.")]);
    const h = harness;
    await mkdir(join(h.dataDir, "skills", "greet"), { recursive: true });
    await writeFile(join(h.dataDir, "skills", "greet", "SKILL.md"), "---\nname: greet\ndescription: Greet people warmly\n---\nSay hello.\n");
    await writeFile(join(h.dataDir, "MEMORY.md"), "Alice prefers tea.\n");
    await h.start([h.dataDir]);
    h.fake.postUserMessage({ channel: "DALICE", user: "UALICE", text: "remember the number 4711" });
    await h.fake.waitFor(() => h.fake.botMessages("DALICE").find((m) => m.text === "First answer."), { description: "the first answer" });
    await h.mom!.stop();

    await h.start([h.dataDir]);
    h.fake.postUserMessage({ channel: "DALICE", user: "UALICE", text: "what was the number?" });
    await h.fake.waitFor(() => h.fake.botMessages("DALICE").find((m) => m.text === "Second answer."), { description: "the second answer" });
    const second = h.model.requests[1]!;
    const conversation = JSON.stringify(second.body.messages);
    expect(conversation).toContain("remember the number 4711");
    expect(conversation).toContain("First answer.");
    expect(second.system).toContain("Alice prefers tea.");
    expect(second.system).toContain("- greet: Greet people warmly (read");
    expect(second.toolNames.sort()).toEqual(["attach", "bash", "edit", "read", "write"]);
  });
});

describe("mom's startup checks (before connecting)", () => {
  it("refuses missing or malformed tokens, a missing data dir, an unknown sandbox, a missing model and an unreachable model server, without calling Slack", async () => {
    harness = await createHarness();
    const h = harness;
    const { MOM_SLACK_APP_TOKEN: _app, ...noApp } = h.env;
    expect(await startError(h, [h.dataDir], noApp)).toMatch(/^MOM_SLACK_APP_TOKEN is not set\. .*export MOM_SLACK_APP_TOKEN=xapp-/);
    const { MOM_SLACK_BOT_TOKEN: _bot, ...noBot } = h.env;
    expect(await startError(h, [h.dataDir], noBot)).toMatch(/^MOM_SLACK_BOT_TOKEN is not set\./);
    const swapped = { ...h.env, MOM_SLACK_BOT_TOKEN: h.env.MOM_SLACK_APP_TOKEN, MOM_SLACK_APP_TOKEN: h.env.MOM_SLACK_BOT_TOKEN };
    const swappedMessage = await startError(h, [h.dataDir], swapped);
    expect(swappedMessage).toBe(
      "MOM_SLACK_BOT_TOKEN is malformed: it must be the Bot User OAuth Token (OAuth & Permissions), starting with xoxb- (it starts with xapp-…). It looks like MOM_SLACK_BOT_TOKEN and MOM_SLACK_APP_TOKEN are swapped.",
    );
    expect(swappedMessage).not.toContain(h.fake.appToken);
    expect(await startError(h, [h.dataDir], { ...h.env, MOM_SLACK_APP_TOKEN: "not-a-token" })).toMatch(
      /^MOM_SLACK_APP_TOKEN is malformed: .* starting with xapp- \(it starts with not-a…\)\.$/,
    );
    expect(await startError(h, [join(h.dataDir, "nope")])).toMatch(
      /^the data directory .*nope does not exist\. Create it \(mkdir -p .*\), or for the Docker sandbox: \.\/docker\.sh create /,
    );
    expect(await startError(h, ["--sandbox=vm:box", h.dataDir])).toBe(
      "unknown sandbox 'vm:box'. Use --sandbox=host (tools run on this machine), --sandbox=docker:<container> (tools run in that container; create it with ./docker.sh create <data-dir>) or --sandbox=docker-per-channel[:<image>] (mom makes one container per channel).",
    );
    expect(await startError(h, ["--sandbox", "docker:", h.dataDir])).toMatch(/^--sandbox=docker:: the container name is missing/);
    expect(await startError(h, [h.dataDir], { ...h.env, MOM_SLACK_API_URL: "ftp://x" })).toMatch(/^MOM_SLACK_API_URL must be an http\(s\) URL/);
    await writeFile(join(h.home, "config.yaml"), "providers: {}\n");
    expect(await startError(h, [h.dataDir])).toMatch(/^no model is configured\. Pass --model <provider\/model>/);
    expect(await startError(h, ["--model", "nonsense", h.dataDir])).toMatch(/Model "nonsense" is not of the form <provider>\/<model-id>/);
    await writeFile(join(h.home, "config.yaml"), "model: local/m\nproviders:\n  local:\n    base_url: http://127.0.0.1:9/v1\n");
    expect(await startError(h, [h.dataDir])).toMatch(/^Cannot reach the local server at http:\/\/127\.0\.0\.1:9\/v1 .*fix providers\.local\.base_url\.$/);
    expect(await startError(h, [])).toMatch(/missing required argument 'data-dir'/);
    expect(h.fake.calls).toEqual([]);
  });

  it("the installed bin prints help and version, and a startup error as one line with exit 1", async () => {
    harness = await createHarness();
    const help = await run(process.execPath, [BIN, "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("mom [options] <data-dir>");
    expect(help.stdout).toContain("--sandbox <mode>");
    expect(help.stdout).toContain("MOM_SLACK_APP_TOKEN");
    const version = await run(process.execPath, [BIN, "--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    await mkdir(join(harness.home, "empty"), { recursive: true });
    const failed = await run(process.execPath, [BIN, "--sandbox=docker:mom-does-not-exist-e2e", harness.dataDir], { ...harness.env });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^mom: container 'mom-does-not-exist-e2e' does not exist\. Create it with .*MOM_CONTAINER=mom-does-not-exist-e2e \.\/docker\.sh create /,
      ),
    ]);
    expect(harness.fake.calls).toEqual([]);
  });
});
