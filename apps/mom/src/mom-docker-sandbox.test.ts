import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { step, type RecordedRequest } from "@monoclaw/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MomStartupError } from "./cli/mom-startup-error.js";
import { startMom } from "./cli/start-mom.js";
import { MODEL_KEY, createHarness, createSandboxContainer, removeContainer, run, until, type MomHarness } from "./mom.test-helpers.js";

// mom end to end with the Docker sandbox: a real container made by
// `docker.sh create` (busybox image, no network), the real @slack/bolt client
// against the fake Slack, the real AI SDK Anthropic client against the
// scripted model server.

const CONTAINER = `mom-e2e-docker-${process.pid}`;
let root: string;
let dataDir: string;
let harness: MomHarness | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "mom-docker-"));
  dataDir = join(root, "data");
  await mkdir(dataDir, { recursive: true });
  await removeContainer(CONTAINER);
  await createSandboxContainer(CONTAINER, dataDir);
});

afterAll(async () => {
  await removeContainer(CONTAINER);
  await removeContainer(`${CONTAINER}-other`);
  await rm(root, { recursive: true, force: true });
});

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function startInContainer(script: Parameters<typeof createHarness>[0]): Promise<MomHarness> {
  harness = await createHarness(script, { dataDir });
  await harness.start([`--sandbox=docker:${CONTAINER}`, dataDir]);
  return harness;
}

async function containerProcesses(): Promise<string> {
  return (await run("docker", ["exec", CONTAINER, "ps", "-o", "pid,args"])).stdout;
}

/** Whether the request's last message carries tool results (the model is to answer them). */
function lastIsToolResult(request: RecordedRequest): boolean {
  const last = (request.body.messages as Array<{ content?: unknown }> | undefined)?.at(-1);
  return Array.isArray(last?.content) && (last.content as Array<{ type?: string }>).some((part) => part.type === "tool_result");
}

const topLevel = (h: MomHarness, channel: string) => h.fake.botMessages(channel).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);

describe("mom with --sandbox=docker:<name>", () => {
  it("answers a mention after running bash in the container, with the details in the thread", async () => {
    const h = await startInContainer([
      step.toolCall("bash", { command: "pwd; ls /workspace; cat /proc/1/cgroup >/dev/null; hostname" }),
      step.text("All done in the container."),
    ]);
    expect(h.stderr.join("")).not.toContain("WARNING");
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> where are you?" });
    const main = await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "All done in the container."), {
      description: "the final answer",
    });
    expect(main.edits[0]).toBe("_Working on it…_");
    const detail = h.fake.threadReplies("CGENERAL", main.ts)[0]!;
    expect(detail.text).toMatch(/^\*bash\* `pwd; ls \/workspace; .*` \(exit 0, \d+\.\d s\)\n```\n\/workspace\/CGENERAL\/scratch\n/);
    expect(detail.text).toContain("events");
    const hostname = (await run("docker", ["exec", CONTAINER, "hostname"])).stdout.trim();
    expect(detail.text).toContain(hostname);
    const log = (await readFile(join(dataDir, "CGENERAL", "log.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(log.map((e: { text: string }) => e.text)).toEqual(["<@UBOT> where are you?", "All done in the container."]);
    const context = (await readFile(join(dataDir, "CGENERAL", "context.jsonl"), "utf8")).trim().split("\n");
    expect(context.length).toBeGreaterThanOrEqual(4); // prompt, tool call, tool result, answer
  });

  it("@mom stop ends the running command inside the container and says so", async () => {
    const h = await startInContainer([step.toolCall("bash", { command: "sleep 345" })]);
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> take a nap" });
    await until(async () => (await containerProcesses()).includes("sleep 345"), "sleep 345 in the container");
    const stop = h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> stop" });
    await h.fake.waitFor(() => h.fake.threadReplies("CGENERAL", stop.ts).find((m) => m.text.startsWith("Stopping the running command")), {
      description: "the stop acknowledgement",
    });
    const main = await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text.includes("_Stopped: the running command was ended._")), {
      description: "the stopped answer",
    });
    await until(async () => !(await containerProcesses()).includes("sleep 345"), "no sleep left in the container");
    const detail = await h.fake.waitFor(() => h.fake.threadReplies("CGENERAL", main.ts)[0], { description: "the tool detail" });
    expect(detail.text).toContain("exit 130");
    expect(h.model.requests).toHaveLength(1);
  });

  it("downloads a shared file into attachments/ and uploads workspace files with attach, refusing paths outside", async () => {
    await symlink("/etc/passwd", join(dataDir, "sneaky-link"));
    const findPath = (request: RecordedRequest) => /saved at (\S+)\]/.exec(request.lastUserText)?.[1] ?? "missing";
    const h = await startInContainer([
      step.dynamic((request) => step.toolCall("bash", { command: `wc -c < /workspace/${findPath(request)}` })),
      step.toolCall("attach", { path: "/etc/passwd" }),
      step.toolCall("attach", { path: "/workspace/sneaky-link" }),
      step.toolCall("bash", { command: "printf 'report from the container' > /workspace/CGENERAL/scratch/report.txt" }),
      step.toolCall("attach", { path: "report.txt".replace(/^/, "CGENERAL/scratch/"), title: "The report" }),
      step.text("Here is your report."),
    ]);
    const file = h.fake.addFile("input.csv", "a,b\n1,2\n");
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> count this", files: [file] });
    const main = await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Here is your report."), { description: "the answer" });

    expect(h.fake.downloads).toEqual([expect.objectContaining({ fileId: file.id, authorized: true })]);
    const savedAt = /saved at (\S+)\]/.exec(h.model.requests[0]!.lastUserText)![1]!;
    expect(savedAt).toMatch(/^CGENERAL\/attachments\/\d+\.\d+_input\.csv$/);
    expect(await readFile(join(dataDir, savedAt), "utf8")).toBe("a,b\n1,2\n");
    expect(h.model.requests[1]!.toolResults.at(-1)!.content).toContain("8");

    const refusals = h.model.requests.slice(2, 4).map((r) => r.toolResults.at(-1)!);
    expect(refusals[0]!.content).toContain("attach only shares files inside the workspace (/workspace); /etc/passwd is outside it.");
    expect(refusals[1]!.content).toContain("resolves to /etc/passwd, which is outside the workspace");
    const uploads = [...h.fake.uploads.values()];
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.bytes.toString()).toBe("report from the container");
    expect(uploads[0]!.filename).toBe("report.txt");
    expect(uploads[0]!.title).toBe("The report");
    expect(uploads[0]!.channel).toBe("CGENERAL");
    expect(h.fake.threadReplies("CGENERAL", main.ts).some((m) => m.text.startsWith("*attach* `CGENERAL/scratch/report.txt` (ok"))).toBe(true);
    await rm(join(dataDir, "sneaky-link"));
  });

  it("runs two channels at once (one waits for a file the other writes)", async () => {
    const decide = (request: RecordedRequest) => {
      if (lastIsToolResult(request)) return step.text(request.toolResults.at(-1)?.content.includes("A saw B") ? "A finished" : "B finished");
      return request.lastUserText.includes("wait for B")
        ? step.toolCall("bash", { command: "while [ ! -f /workspace/b-was-here ]; do sleep 0.1; done; echo A saw B" })
        : step.toolCall("bash", { command: "touch /workspace/b-was-here" });
    };
    const h = await startInContainer(Array.from({ length: 4 }, () => step.dynamic(decide)));
    await rm(join(dataDir, "b-was-here"), { force: true });
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> wait for B" });
    await h.model.waitForRequests(1);
    h.fake.postUserMessage({ channel: "CRANDOM", user: "UALICE", text: "<@UBOT> write the file" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "A finished"), { description: "channel A's answer" });
    await h.fake.waitFor(() => topLevel(h, "CRANDOM").find((m) => m.text === "B finished"), { description: "channel B's answer" });
    await rm(join(dataDir, "b-was-here"), { force: true });
  });

  it("fires immediate, one-shot and periodic events; [SILENT] answers post nothing", async () => {
    const answers = (request: RecordedRequest) => {
      const text = request.lastUserText;
      if (text.includes("[EVENT:now.json:immediate:now] say hi")) return step.text("Hi from an immediate event");
      if (text.includes("[EVENT:later.json:one-shot:")) return step.text("[SILENT] nothing to report");
      if (text.includes("[EVENT:tick.json:periodic:* * * * * * UTC] tick")) return step.text("tick answered");
      return step.text(`unexpected: ${text}`);
    };
    const h = await startInContainer(Array.from({ length: 20 }, () => step.dynamic(answers)));
    const events = join(dataDir, "events");
    await writeFile(join(events, "now.json"), JSON.stringify({ type: "immediate", channelId: "CGENERAL", text: "say hi" }));
    const at = new Date(Date.now() + 1500).toISOString().replace("Z", "+00:00");
    await writeFile(join(events, "later.json"), JSON.stringify({ type: "one-shot", channelId: "CGENERAL", text: "check quietly", at }));
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Hi from an immediate event"), { description: "the immediate answer" });
    await until(() => h.model.requests.some((r) => r.lastUserText.includes("later.json")), "the one-shot run");
    await until(() => !existsSync(join(events, "later.json")) && !existsSync(join(events, "now.json")), "both one-time files removed");
    expect(h.fake.botMessages("CGENERAL").some((m) => m.text.includes("SILENT") || m.text.includes("nothing to report"))).toBe(false);

    await writeFile(
      join(events, "tick.json"),
      JSON.stringify({ type: "periodic", channelId: "CRANDOM", text: "tick", schedule: "* * * * * *", timezone: "UTC" }),
    );
    await h.fake.waitFor(() => topLevel(h, "CRANDOM").filter((m) => m.text === "tick answered").length >= 2, { description: "two periodic answers" });
    await rm(join(events, "tick.json"));
    await writeFile(join(events, "broken.json"), "{ not json");
    await until(() => existsSync(join(events, "invalid", "broken.json.reason.txt")), "the invalid file moved aside");
    expect(await readFile(join(events, "invalid", "broken.json.reason.txt"), "utf8")).toContain("not valid JSON");
  });

  it("loses no event across a socket drop, and answers once", async () => {
    const h = await startInContainer([step.text("after the reconnect")]);
    h.fake.dropSocket();
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> are you back?" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "after the reconnect"), { description: "the answer after reconnecting" });
    await h.fake.waitFor(() => h.fake.envelopes.every((e) => e.ackedAt !== undefined), { description: "every envelope acked" });
    expect(h.fake.connectionCount).toBe(2);
    await h.mom!.bot.idle();
    expect(topLevel(h, "CGENERAL").filter((m) => m.text === "after the reconnect")).toHaveLength(1);
    expect(h.model.requests).toHaveLength(1);
  });

  it("redacts tokens and the model key from everything posted; the container has none of them", async () => {
    const h = await startInContainer([]);
    h.model.enqueue(
      step.toolCall("bash", { command: `echo "bot ${h.fake.botToken} app ${h.fake.appToken} key ${MODEL_KEY}"; env` }),
      step.text(`The bot token is ${h.fake.botToken}.`),
    );
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> leak please" });
    const main = await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "The bot token is [REDACTED:MOM_SLACK_BOT_TOKEN]."), {
      description: "the redacted answer",
    });
    const detail = h.fake.threadReplies("CGENERAL", main.ts)[0]!;
    expect(detail.text).toContain("bot [REDACTED:MOM_SLACK_BOT_TOKEN] app [REDACTED:MOM_SLACK_APP_TOKEN] key [REDACTED:");
    for (const secret of [h.fake.botToken, h.fake.appToken, MODEL_KEY]) {
      for (const call of h.fake.calls) expect(JSON.stringify(call.args)).not.toContain(secret);
    }
    const containerEnv = (await run("docker", ["exec", CONTAINER, "env"])).stdout;
    expect(containerEnv).not.toMatch(/MOM_SLACK|xoxb-|xapp-|sk-ant/);
    expect(h.model.requests[1]!.toolResults[0]!.content).not.toMatch(/MOM_SLACK|MONOCLAW_HOME/);
  });

  it("refuses a missing, stopped or wrongly mounted container with the docker.sh fix, before connecting", async () => {
    harness = await createHarness([], { dataDir });
    const h = harness;
    const attempt = async (name: string, dir = dataDir): Promise<string> => {
      try {
        const started = await startMom([`--sandbox=docker:${name}`, dir], { out: () => undefined, err: () => undefined, env: h.env, cwd: root });
        if (!("exit" in started)) await started.stop();
      } catch (error) {
        expect(error).toBeInstanceOf(MomStartupError);
        return (error as Error).message;
      }
      throw new Error("mom started");
    };
    expect(await attempt(`${CONTAINER}-missing`)).toMatch(
      new RegExp(`^container '${CONTAINER}-missing' does not exist\\. Create it with .*: MOM_CONTAINER=${CONTAINER}-missing \\./docker\\.sh create `),
    );
    const other = join(root, "other-data");
    await mkdir(other, { recursive: true });
    expect(await attempt(CONTAINER, other)).toBe(
      `container '${CONTAINER}' mounts ${dataDir} at /workspace, not the data directory ${other}. Recreate it: MOM_CONTAINER=${CONTAINER} ./docker.sh remove && MOM_CONTAINER=${CONTAINER} ./docker.sh create ${other}`,
    );
    await createSandboxContainer(`${CONTAINER}-other`, other);
    await run("docker", ["stop", "-t", "1", `${CONTAINER}-other`]);
    expect(await attempt(`${CONTAINER}-other`, other)).toBe(
      `container '${CONTAINER}-other' is exited. Start it: MOM_CONTAINER=${CONTAINER}-other ./docker.sh start`,
    );
    expect(h.fake.calls).toEqual([]);
  });
});
