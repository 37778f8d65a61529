import { createHmac } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfinedDir, type AgentEvent } from "@monoclaw/core";
import { type FakeSlack, startFakeSlack } from "@monoclaw/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunRequest } from "../agent/run-request.js";
import { appendJsonLines } from "../store/json-lines.js";
import { dataDirLayout } from "../store/data-dir.js";
import { MomBot, type MomBotOptions } from "./mom-bot.js";

// The Slack side with the real @slack/bolt client against the fake Slack. The
// agent is a small scripted stand-in here; the end-to-end tests in
// ../mom.e2e.test.ts use the real agent, model client and container.

let fake: FakeSlack;
let dir: string;
let bot: MomBot | undefined;
const logs: string[] = [];

beforeEach(async () => {
  fake = await startFakeSlack();
  fake.addUser({ id: "UALICE", name: "alice" });
  fake.addUser({ id: "UOTHERBOT", name: "otherbot", isBot: true, botId: "BOTHER" });
  fake.addChannel({ id: "CGENERAL", name: "general" });
  fake.addChannel({ id: "CRANDOM", name: "random" });
  fake.addChannel({ id: "DALICE", isIm: true, user: "UALICE" });
  dir = await mkdtemp(join(tmpdir(), "mom-bot-"));
  logs.length = 0;
});

afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

type Script = (request: RunRequest) => AsyncIterable<AgentEvent>;

async function startBot(script: Script, extra: Partial<MomBotOptions> = {}): Promise<MomBot> {
  bot = new MomBot({
    dataDir: dataDirLayout(dir),
    botToken: fake.botToken,
    appToken: fake.appToken,
    apiUrl: fake.apiUrl,
    runAgent: script,
    redact: (text) => text.replaceAll("sekrit-value-123", "[REDACTED:TEST_TOKEN]"),
    log: (m) => logs.push(m),
    updateThrottleMs: 50,
    ...extra,
  });
  await bot.start();
  return bot;
}

function answer(text: string, opts: { delayMs?: number } = {}): Script {
  return async function* (request) {
    yield { type: "turn-start", turnId: "t" };
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    yield { type: "text-delta", text };
    yield { type: "turn-end", reason: request.signal.aborted ? "aborted" : "stop", text, messages: [] };
  };
}

const topLevelBotMessages = (channel: string) => fake.botMessages(channel).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);

async function until(fn: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("mom's Slack side (real bolt, fake Slack)", () => {
  it("answers a DM, ignores its own echo and other bots, and logs every message once", async () => {
    const prompts: string[] = [];
    await startBot(async function* (request) {
      prompts.push(request.prompt);
      yield* answer(`you said: ${request.prompt.split(": ").pop()}`)(request);
    });
    fake.postUserMessage({ channel: "DALICE", user: "UALICE", text: "hello there" });
    fake.postUserMessage({ channel: "CGENERAL", user: "UOTHERBOT", botId: "BOTHER", text: "<@UBOT> bots talking" });
    await fake.waitFor(() => fake.botMessages("DALICE").find((m) => m.text === "you said: hello there"), { description: "the DM answer" });
    await fake.waitFor(() => fake.envelopes.every((e) => e.ackedAt !== undefined), { description: "all acks" });
    await bot!.idle();
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toMatch(/^\[.*\] \[alice \(UALICE\)\]: hello there$/);
    expect(topLevelBotMessages("CGENERAL")).toEqual([]);
    const log = (await readFile(join(dir, "DALICE", "log.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(log.map((e: { text: string; isBot: boolean }) => [e.text, e.isBot])).toEqual([
      ["hello there", false],
      ["you said: hello there", true],
    ]);
  });

  it("queues a mention that arrives while the channel is busy, says so, and answers both in order", async () => {
    let calls = 0;
    await startBot(async function* (request) {
      calls += 1;
      const n = calls;
      yield* answer(`answer ${n}`, { delayMs: n === 1 ? 1500 : 0 })(request);
    });
    fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> first" });
    await fake.waitFor(() => topLevelBotMessages("CGENERAL")[0], { description: "the first main message" });
    const second = fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> second" });
    const queued = await fake.waitFor(() => fake.threadReplies("CGENERAL", second.ts)[0], { description: "the queued note" });
    expect(queued.text).toMatch(/^Queued: 1 request ahead of this one/);
    await fake.waitFor(() => topLevelBotMessages("CGENERAL").length === 2 && topLevelBotMessages("CGENERAL")[1]!.text === "answer 2", {
      description: "the second answer",
    });
    expect(topLevelBotMessages("CGENERAL").map((m) => m.text)).toEqual(["answer 1", "answer 2"]);
  });

  it("stop aborts the running run and says so", async () => {
    await startBot(async function* (request) {
      yield { type: "turn-start", turnId: "t" };
      yield { type: "tool-start", toolCallId: "c1", toolName: "bash", input: { command: "sleep 100" }, title: "sleep 100" };
      await new Promise<void>((resolve) => request.signal.addEventListener("abort", () => resolve()));
      yield { type: "tool-end", toolCallId: "c1", toolName: "bash", isError: true, output: "", durationMs: 10, exitCode: 130, aborted: true };
      yield { type: "error", kind: "aborted", message: "aborted" };
      yield { type: "turn-end", reason: "aborted", text: "", messages: [] };
    });
    fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> sleep please" });
    const main = await fake.waitFor(() => topLevelBotMessages("CGENERAL").find((m) => m.text.includes("sleep 100")), {
      description: "progress naming the command",
    });
    const stop = fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> stop" });
    await fake.waitFor(() => fake.threadReplies("CGENERAL", stop.ts).find((m) => m.text.startsWith("Stopping the running command.")), {
      description: "the stop acknowledgement",
    });
    await fake.waitFor(() => fake.messages("CGENERAL").find((m) => m.ts === main.ts && m.text.includes("_Stopped: the running command was ended._")), {
      description: "the main message saying it stopped",
    });
    const detail = await fake.waitFor(() => fake.threadReplies("CGENERAL", main.ts)[0], { description: "the tool detail" });
    expect(detail.text).toContain("exit 130");
    expect(detail.text).toContain("stopped");
  });

  it("renders tool details in the thread, splits long answers, and redacts everything it posts", async () => {
    const long = Array.from({ length: 800 }, (_, i) => `line ${i} of the answer`).join("\n");
    await startBot(async function* () {
      yield { type: "turn-start", turnId: "t" };
      yield { type: "tool-start", toolCallId: "c1", toolName: "bash", input: {}, title: "echo $TEST_TOKEN" };
      yield {
        type: "tool-end",
        toolCallId: "c1",
        toolName: "bash",
        isError: false,
        output: `token is sekrit-value-123\n${"x\n".repeat(3000)}end`,
        durationMs: 1234,
        exitCode: 0,
      };
      yield { type: "turn-end", reason: "stop", text: `${long}\nand sekrit-value-123`, messages: [] };
    });
    fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> go" });
    await fake.waitFor(() => topLevelBotMessages("CGENERAL").some((m) => m.text.endsWith("and [REDACTED:TEST_TOKEN]")), {
      description: "the last part of the answer",
    });
    const top = topLevelBotMessages("CGENERAL");
    expect(top.length).toBeGreaterThan(1);
    expect(top.map((m) => m.text).join("\n")).toContain("line 799 of the answer");
    for (const line of ["line 0 of", "line 400 of", "line 799 of"])
      expect(
        top.some((m) => m.text.includes(line)),
        `${line} in ${JSON.stringify(top.map((m) => m.text.slice(0, 80)))}`,
      ).toBe(true);
    const detail = fake.threadReplies("CGENERAL", top[0]!.ts)[0]!;
    expect(detail.text).toContain("*bash* `echo $TEST_TOKEN` (exit 0, 1.2 s)");
    expect(detail.text).toContain("token is [REDACTED:TEST_TOKEN]");
    expect(detail.text).toMatch(/… \d+ characters \(\d+ lines\) left out …/);
    for (const call of fake.calls) expect(JSON.stringify(call.args)).not.toContain("sekrit-value-123");
  });

  it("downloads shared files to the channel's attachments/ and names them in the prompt", async () => {
    const prompts: string[] = [];
    await startBot(async function* (request) {
      prompts.push(request.prompt);
      yield* answer("got it")(request);
    });
    const file = fake.addFile("notes.txt", "file body");
    fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> read this", files: [file] });
    await fake.waitFor(() => topLevelBotMessages("CGENERAL").find((m) => m.text === "got it"), { description: "the answer" });
    expect(fake.downloads).toEqual([expect.objectContaining({ fileId: file.id, authorized: true })]);
    const match = /saved at (CGENERAL\/attachments\/\S+)\]/.exec(prompts[0] ?? "");
    expect(match).not.toBeNull();
    expect(await readFile(join(dir, match![1]!), "utf8")).toBe("file body");
  });

  it("honours the user and channel allow-lists: only an allowed user in an allowed channel is answered", async () => {
    fake.addUser({ id: "UBOSS", name: "boss" });
    const prompts: string[] = [];
    await startBot(
      async function* (request) {
        prompts.push(request.prompt);
        yield* answer("ok")(request);
      },
      { allowUsers: new Set(["UBOSS"]), allowChannels: new Set(["CGENERAL"]) },
    );
    fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> from alice" });
    fake.postUserMessage({ channel: "CRANDOM", user: "UBOSS", text: "<@UBOT> from boss elsewhere" });
    fake.postUserMessage({ channel: "CGENERAL", user: "UBOSS", text: "<@UBOT> from boss here" });
    // Positive control: the allowed user in the allowed channel is answered, so the others were really refused.
    await fake.waitFor(() => topLevelBotMessages("CGENERAL").find((m) => m.text === "ok"), { description: "the answer to the allowed user" });
    await fake.waitFor(() => fake.envelopes.every((e) => e.ackedAt !== undefined), { description: "acks" });
    await bot!.idle();
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain("from boss here");
    expect(topLevelBotMessages("CRANDOM")).toEqual([]);
    await until(() => logs.some((l) => l.includes("UALICE") && l.includes("user allow-list")), "the allow-list log line");
  });

  it("answers another bot's mention with allowBots, and still never its own echo", async () => {
    const prompts: string[] = [];
    await startBot(
      async function* (request) {
        prompts.push(request.prompt);
        yield* answer("hello bot")(request);
      },
      { allowBots: true },
    );
    fake.postUserMessage({ channel: "CGENERAL", user: "UOTHERBOT", botId: "BOTHER", text: "<@UBOT> bots talking" });
    await fake.waitFor(() => topLevelBotMessages("CGENERAL").find((m) => m.text === "hello bot"), { description: "the answer to the other bot" });
    await fake.waitFor(() => fake.envelopes.every((e) => e.ackedAt !== undefined), { description: "all acks" });
    await bot!.idle();
    // mom's own answer reached Slack as a message event too; it did not start a second run.
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain("bots talking");
  });

  it("backfills history posted while away (all pages, threads) without duplicates", async () => {
    await mkdir(join(dir, "CGENERAL"), { recursive: true });
    const seen = fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "already logged", silent: true });
    await appendJsonLines(new ConfinedDir(dir), "CGENERAL/log.jsonl", [
      { ts: seen.ts, date: new Date().toISOString(), user: "UALICE", text: "already logged", isBot: false },
    ]);
    const parent = fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "away 0", silent: true });
    for (let i = 1; i < 450; i++) fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: `away ${i}`, silent: true });
    for (let i = 0; i < 250; i++) fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: `reply ${i}`, threadTs: parent.ts, silent: true });
    await startBot(answer("unused"));
    const log = (await readFile(join(dir, "CGENERAL", "log.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { ts: string; text: string });
    expect(log).toHaveLength(1 + 450 + 250);
    expect(new Set(log.map((e) => e.ts)).size).toBe(log.length);
    expect(log.filter((e) => e.text.startsWith("reply "))).toHaveLength(250);
    expect(fake.callsOf("conversations.history").length).toBeGreaterThanOrEqual(3);
    expect(fake.callsOf("conversations.replies").length).toBeGreaterThanOrEqual(2);
    await bot!.stop();
    bot = undefined;
    await startBot(answer("unused"));
    const again = (await readFile(join(dir, "CGENERAL", "log.jsonl"), "utf8")).trim().split("\n");
    expect(again).toHaveLength(log.length);
  });

  it("receives events over the HTTP Events API with a signing secret, and refuses unsigned requests", async () => {
    const port = await freePort();
    const secret = "test-signing-secret";
    let runs = 0;
    await startBot(
      async function* (request) {
        runs += 1;
        yield* answer("over http")(request);
      },
      { appToken: undefined, signingSecret: secret, httpPort: port },
    );
    const event = {
      type: "event_callback",
      team_id: fake.teamId,
      api_app_id: "AFAKE",
      event_id: "Ev1",
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: "message",
        channel: "DALICE",
        channel_type: "im",
        user: "UALICE",
        text: "hi over http",
        ts: "1700000000.000100",
        event_ts: "1700000000.000100",
      },
    };
    const body = JSON.stringify(event);
    const unsigned = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(unsigned.status).toBe(401);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
    const signed = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-slack-request-timestamp": timestamp, "x-slack-signature": signature },
      body,
    });
    expect(signed.status).toBe(200);
    await fake.waitFor(() => fake.botMessages("DALICE").find((m) => m.text === "over http"), { description: "the answer to the HTTP event" });
    expect(runs).toBe(1);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
