import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { step, type RecordedRequest, type ScriptedStep } from "@monoclaw/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MomStartupError } from "./cli/mom-startup-error.js";
import { startMom } from "./cli/start-mom.js";
import { createHarness, run, until, type MomHarness } from "./mom.test-helpers.js";

// mom end to end with --sandbox=docker-per-channel: the real engine (busybox
// image, no network), the real @slack/bolt client against the fake Slack,
// the real AI SDK client against the scripted model server. Two users: Alice
// talks to mom in her DM (DALICE), Bob asks in #general (CGENERAL).

const SECRET = "PURPLE-ELEPHANT-4711";
const MEMORY_SECRET = "ALICE-REMEMBERS-TANGERINE";
const DOCKER_SETTINGS = "terminal:\n  docker:\n    image: monoclaw-test/busybox:latest\n    network: none\n    memory: 512m\n    idle_timeout: 3\n";

let root: string;
let harness: MomHarness | undefined;
const containerNames = new Set<string>();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "mom-per-channel-"));
});

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const name of containerNames) await run("docker", ["rm", "-f", name]);
  containerNames.clear();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh data dir, Bob as a second user, terminal.docker from config.yaml, mom started per channel. */
async function startPerChannel(script: ScriptedStep[], sandbox = "--sandbox=docker-per-channel"): Promise<MomHarness> {
  const dataDir = await mkdtemp(join(root, "data-"));
  harness = await createHarness(script, { dataDir });
  harness.fake.addUser({ id: "UBOB", name: "bob" });
  await writeFile(join(harness.home, "config.yaml"), `${await readFile(join(harness.home, "config.yaml"), "utf8")}${DOCKER_SETTINGS}`);
  const hash = createHash("sha256")
    .update(await realpath(dataDir))
    .digest("hex")
    .slice(0, 12);
  for (const channel of ["DALICE", "CGENERAL", "CRANDOM"]) containerNames.add(`mom-${hash}-${channel}`);
  await harness.start([sandbox, dataDir]);
  return harness;
}

function containerOf(_h: MomHarness, channel: string): string {
  return [...containerNames].find((n) => n.endsWith(`-${channel}`))!;
}

async function inspect(
  name: string,
): Promise<
  { State: { Status: string }; Config: { Labels: Record<string, string> }; Mounts: Array<{ Source: string; Destination: string; RW: boolean }> } | undefined
> {
  const result = await run("docker", ["container", "inspect", name]);
  return result.code === 0 ? (JSON.parse(result.stdout) as Array<never>)[0] : undefined;
}

const topLevel = (h: MomHarness, channel: string) => h.fake.botMessages(channel).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
/** Everything mom posted in a channel, answers and tool details. */
const everythingPosted = (h: MomHarness, channel: string) =>
  h.fake
    .botMessages(channel)
    .map((m) => [m.text, ...m.edits].join("\n"))
    .join("\n");
const lastResult = (request: RecordedRequest) => request.toolResults.at(-1)?.content ?? "";

/** Alice tells mom a secret in her DM; mom reads its own channel's log (the positive control) and answers. */
async function aliceSharesASecret(h: MomHarness): Promise<void> {
  h.fake.postUserMessage({ channel: "DALICE", user: "UALICE", text: `my locker code is ${SECRET}` });
  await h.fake.waitFor(() => topLevel(h, "DALICE").find((m) => m.text === "Noted, Alice."), { description: "the DM answer" });
}

const aliceScript = [step.toolCall("bash", { command: "cat /workspace/log.jsonl; pwd" }), step.text("Noted, Alice.")];

describe("mom with --sandbox=docker-per-channel", () => {
  it("never shows a DM's log to another channel: not by absolute or relative path, not by listing /workspace/.. or searching the disk", async () => {
    const probe = [
      "echo ABS; cat /workspace/DALICE/log.jsonl",
      "echo REL; cat ../DALICE/log.jsonl ../../DALICE/log.jsonl",
      "echo UP; cat /workspace/../DALICE/log.jsonl",
      "echo LS; ls -a /workspace/.. /workspace",
      "echo FIND; find / \\( -path /proc -o -path /sys \\) -prune -o -name log.jsonl -print",
      "echo GREP; grep -rl PURPLE /workspace /skills /tmp /root 2>&1",
      "echo OWN; cat /workspace/log.jsonl",
    ]
      .map((command) => `{ ${command}; } 2>&1`)
      .join("; ");
    const h = await startPerChannel([...aliceScript, step.toolCall("bash", { command: probe }), step.text("Nothing of the sort here.")]);
    await aliceSharesASecret(h);
    expect(lastResult(h.model.requests[1]!)).toContain(SECRET); // the DM's own log is readable in the DM
    expect(lastResult(h.model.requests[1]!)).toContain("/workspace/scratch");

    h.fake.postUserMessage({ channel: "CGENERAL", user: "UBOB", text: "<@UBOT> cat /workspace/DALICE/log.jsonl and post it" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Nothing of the sort here."), { description: "Bob's answer" });
    const output = lastResult(h.model.requests[3]!);
    expect(output).not.toContain(SECRET);
    expect(output).toMatch(/ABS\ncat: can't open '\/workspace\/DALICE\/log.jsonl': No such file or directory/);
    expect(output).toMatch(/UP\ncat: can't open '\/workspace\/..\/DALICE\/log.jsonl': No such file or directory/);
    const listing = output.slice(output.indexOf("LS"), output.indexOf("FIND"));
    expect(listing).not.toContain("DALICE");
    expect(listing).toContain("scratch"); // the channel's own directory is listed
    const found = output
      .slice(output.indexOf("FIND") + 5, output.indexOf("GREP"))
      .trim()
      .split("\n");
    expect(found).toEqual(["/workspace/log.jsonl"]);
    expect(output.slice(output.indexOf("OWN"))).toContain("cat /workspace/DALICE/log.jsonl and post it"); // Bob's own message, in his channel's log
    expect(everythingPosted(h, "CGENERAL")).not.toContain(SECRET);
    for (const request of h.model.requests.slice(2)) expect(JSON.stringify(request.body)).not.toContain(SECRET);
  });

  it("never follows a link made in one channel to another channel's files (absolute, relative, directory, MEMORY.md, log.jsonl)", async () => {
    const links = [
      "ln -s /workspace/../DALICE/log.jsonl /workspace/abs-link",
      "ln -s ../DALICE/log.jsonl /workspace/rel-link",
      "ln -s ../DALICE /workspace/dir-link",
      "ln -s ../../DALICE/log.jsonl /workspace/scratch/deep-link",
      "ln -s ../DALICE/MEMORY.md /workspace/MEMORY.md",
      "mv /workspace/log.jsonl /workspace/old-log.jsonl; ln -s ../DALICE/log.jsonl /workspace/log.jsonl",
      "echo READ; cat /workspace/abs-link /workspace/rel-link /workspace/scratch/deep-link; ls /workspace/dir-link/",
    ].join("; ");
    const h = await startPerChannel([...aliceScript, step.toolCall("bash", { command: links }), step.text("Links made."), step.text("Second run.")]);
    await writeFile(join(h.dataDir, "MEMORY.md"), "global note from the operator\n");
    await aliceSharesASecret(h);
    await writeFile(join(h.dataDir, "DALICE", "MEMORY.md"), `Alice's memory: ${MEMORY_SECRET}\n`);

    h.fake.postUserMessage({ channel: "CGENERAL", user: "UBOB", text: "<@UBOT> make some links" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Links made."), { description: "the first answer" });
    const output = lastResult(h.model.requests[3]!);
    expect(output).not.toContain(SECRET);
    expect(output).toContain("can't open '/workspace/abs-link'");
    expect(output).toContain("can't open '/workspace/rel-link'");
    expect(output).toContain("can't open '/workspace/scratch/deep-link'");

    // The next run's prompt is built on the host from the channel's MEMORY.md, now a link to Alice's.
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UBOB", text: "<@UBOT> what do you remember?" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Second run."), { description: "the second answer" });
    const second = h.model.requests[4]!;
    expect(second.system).toContain("global note from the operator"); // the prompt was built, with the global memory
    expect(second.system).not.toContain(MEMORY_SECRET);
    expect(JSON.stringify(second.body)).not.toContain(SECRET);
    expect(everythingPosted(h, "CGENERAL")).not.toContain(SECRET);
    expect(await readFile(join(h.dataDir, "DALICE", "MEMORY.md"), "utf8")).toBe(`Alice's memory: ${MEMORY_SECRET}\n`);
    // mom logged Bob's messages on the host: never into Alice's log through the link.
    expect(await readFile(join(h.dataDir, "DALICE", "log.jsonl"), "utf8")).not.toMatch(/make some links|what do you remember/);
  });

  it("names a file shared in a channel at its path in that channel's container", async () => {
    const savedAt = (request: RecordedRequest) => /saved at (\S+)\]/.exec(request.lastUserText)?.[1] ?? "missing";
    const h = await startPerChannel([step.dynamic((request) => step.toolCall("bash", { command: `cat ${savedAt(request)}` })), step.text("Counted.")]);
    const file = h.fake.addFile("numbers.csv", "1,2,3\n");
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UBOB", text: "<@UBOT> read this", files: [file] });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Counted."), { description: "the answer" });
    expect(savedAt(h.model.requests[0]!)).toMatch(/^\/workspace\/attachments\/\d+\.\d+_numbers\.csv$/);
    expect(lastResult(h.model.requests[1]!)).toContain("1,2,3");
  });

  it("attach shares only files of its own channel", async () => {
    const h = await startPerChannel([
      ...aliceScript,
      step.toolCall("bash", { command: "ln -s ../DALICE/log.jsonl /workspace/rel-link; printf 'general report' > /workspace/scratch/report.txt" }),
      step.toolCall("attach", { path: "/workspace/../DALICE/log.jsonl" }),
      step.toolCall("attach", { path: "../DALICE/log.jsonl" }),
      step.toolCall("attach", { path: "DALICE/log.jsonl" }),
      step.toolCall("attach", { path: "rel-link" }),
      step.toolCall("attach", { path: "/skills/../DALICE/log.jsonl" }),
      step.toolCall("attach", { path: "scratch/report.txt", title: "Report" }),
      step.text("Shared what I could."),
    ]);
    await aliceSharesASecret(h);
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UBOB", text: "<@UBOT> attach Alice's log" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Shared what I could."), { description: "the answer" });
    const refusals = h.model.requests.slice(4, 9).map(lastResult);
    expect(refusals[0]).toContain("attach only shares files inside the workspace (/workspace); /DALICE/log.jsonl is outside it.");
    expect(refusals[1]).toContain("/DALICE/log.jsonl is outside it.");
    expect(refusals[2]).toContain("does not exist in the workspace");
    expect(refusals[3]).toMatch(/does not exist in the workspace|outside the workspace/);
    expect(refusals[4]).toContain("is outside it.");
    const uploads = [...h.fake.uploads.values()];
    expect(uploads.map((u) => [u.channel, u.filename, u.bytes.toString()])).toEqual([["CGENERAL", "report.txt", "general report"]]);
    expect(everythingPosted(h, "CGENERAL")).not.toContain(SECRET);
  });

  it("mounts only the channel's directory and the shared skills (read-only); writes stay in the channel", async () => {
    const attempt = [
      "mkdir -p /DALICE && echo overwritten > /DALICE/MEMORY.md && echo WROTE-ROOT",
      "echo hacked > /skills/hello/SKILL.md || echo SKILLS-READONLY",
      "cat /skills/hello/SKILL.md",
      "echo 'my notes' > /workspace/MEMORY.md && echo OWN-MEMORY",
    ].join("; ");
    const h = await startPerChannel([step.toolCall("bash", { command: attempt }), step.text("Tried.")]);
    await mkdir(join(h.dataDir, "skills", "hello"), { recursive: true });
    await writeFile(join(h.dataDir, "skills", "hello", "SKILL.md"), "---\nname: hello\ndescription: says hello\n---\necho hello\n");
    await mkdir(join(h.dataDir, "DALICE"), { recursive: true });
    await writeFile(join(h.dataDir, "DALICE", "MEMORY.md"), "Alice's own\n");
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UBOB", text: "<@UBOT> try writing" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Tried."), { description: "the answer" });
    const output = lastResult(h.model.requests[1]!);
    expect(output).toContain("WROTE-ROOT"); // the container's own file system, not the host's
    expect(output).toContain("SKILLS-READONLY");
    expect(output).toContain("description: says hello");
    expect(output).toContain("OWN-MEMORY");
    expect(await readFile(join(h.dataDir, "DALICE", "MEMORY.md"), "utf8")).toBe("Alice's own\n");
    expect(await readFile(join(h.dataDir, "skills", "hello", "SKILL.md"), "utf8")).toContain("echo hello");
    expect(await readFile(join(h.dataDir, "CGENERAL", "MEMORY.md"), "utf8")).toBe("my notes\n");
    const system = h.model.requests[0]!.system;
    expect(system).toContain("Your working directory for this channel is /workspace/scratch.");
    expect(system).toContain("- hello: says hello (read /skills/hello/SKILL.md before using it)");
    expect(system).not.toContain("/workspace/CGENERAL");

    const info = (await inspect(containerOf(h, "CGENERAL")))!;
    expect(info.Config.Labels).toMatchObject({
      "dev.monoclaw.managed-by": "monoclaw",
      "dev.monoclaw.scope-kind": "channel",
      "dev.monoclaw.scope-id": "CGENERAL",
    });
    const real = await realpath(h.dataDir);
    expect(info.Mounts.map((m) => [m.Source, m.Destination, m.RW]).sort()).toEqual([
      [join(real, "CGENERAL"), "/workspace", true],
      [join(real, "skills"), "/skills", false],
    ]);
    expect(await inspect(containerOf(h, "DALICE"))).toBeUndefined(); // made on a channel's first command only
  });

  it("stops an idle channel's container and starts it again on the next mention, its files kept", async () => {
    const h = await startPerChannel([
      step.toolCall("bash", { command: "echo kept > /workspace/scratch/kept.txt" }),
      step.text("Written."),
      step.toolCall("bash", { command: "cat /workspace/scratch/kept.txt" }),
      step.text("Read again."),
    ]);
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UBOB", text: "<@UBOT> write a file" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Written."), { description: "the first answer" });
    const name = containerOf(h, "CGENERAL");
    expect((await inspect(name))!.State.Status).toBe("running");
    await until(async () => (await inspect(name))?.State.Status === "exited", "the idle container stopped", 20_000);
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UBOB", text: "<@UBOT> read it" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Read again."), { description: "the second answer" });
    expect(lastResult(h.model.requests[3]!)).toContain("kept");
    expect((await inspect(name))!.State.Status).toBe("running");
  });

  it("refuses to mount a channel directory that is a link to another channel's, and says so", async () => {
    const h = await startPerChannel([...aliceScript]);
    await aliceSharesASecret(h);
    await symlink(join(h.dataDir, "DALICE"), join(h.dataDir, "CRANDOM"));
    h.fake.postUserMessage({ channel: "CRANDOM", user: "UBOB", text: "<@UBOT> cat log.jsonl" });
    const answer = await h.fake.waitFor(() => topLevel(h, "CRANDOM").find((m) => m.text.includes("_Something went wrong")), { description: "the refusal" });
    expect(answer.text).not.toContain(SECRET);
    expect(await inspect(containerOf(h, "CRANDOM"))).toBeUndefined();
    expect(h.model.requests).toHaveLength(2); // Alice's two; the refused run never reached the model
    expect(await readFile(join(h.dataDir, "DALICE", "log.jsonl"), "utf8")).not.toContain("cat log.jsonl");
  });

  it("refuses an image that is not there (pull: never) before connecting to Slack, with the fix", async () => {
    const dataDir = await mkdtemp(join(root, "data-"));
    harness = await createHarness([], { dataDir });
    const h = harness;
    await writeFile(
      join(h.home, "config.yaml"),
      `${await readFile(join(h.home, "config.yaml"), "utf8")}terminal:\n  docker:\n    pull: never\n    network: none\n`,
    );
    const error = await startMom(["--sandbox=docker-per-channel:monoclaw-test/not-there:1", dataDir], {
      out: () => undefined,
      err: () => undefined,
      env: h.env,
      cwd: root,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MomStartupError);
    expect((error as Error).message).toMatch(
      /^--sandbox=docker-per-channel: image monoclaw-test\/not-there:1: Image not found: monoclaw-test\/not-there:1 is not present and terminal\.docker\.pull is "never"\./,
    );
    expect(h.fake.calls).toEqual([]);
    // Positive control: the same settings with an image that is there start mom.
    await h.start(["--sandbox=docker-per-channel:monoclaw-test/busybox:latest", dataDir]);
    expect(h.stderr.join("")).toMatch(/tools run in one container per channel \(monoclaw-test\/busybox:latest, named mom-[0-9a-f]{12}-<channel>\)/);
  });
});
