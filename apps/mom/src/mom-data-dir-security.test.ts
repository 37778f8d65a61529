import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { lstat, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { step, type RecordedRequest } from "@monoclaw/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHarness, createSandboxContainer, removeContainer, run, until, type MomHarness } from "./mom.test-helpers.js";

// mom end to end with a real Docker sandbox (docker.sh create, busybox, no
// network), the real bolt client against the fake Slack and the real AI SDK
// against the scripted model server. The links are made by commands inside
// the container; their targets are host paths outside the data directory
// (meaningless inside the container, followed on the host by a naive mom).

const CONTAINER = `mom-e2e-links-${process.pid}`;
let root: string;
let dataDir: string;
let hostDir: string;
let harness: MomHarness | undefined;
const SECRET = "HOST-ONLY-secret-4f1c9a";

beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), "mom-links-")));
  dataDir = join(root, "data");
  hostDir = join(root, "host");
  await mkdir(dataDir, { recursive: true });
  await mkdir(join(hostDir, "evil-skill"), { recursive: true });
  await writeFile(join(hostDir, "secret.txt"), SECRET);
  await writeFile(join(hostDir, "context.txt"), "host context file\n");
  await writeFile(join(hostDir, "evil-skill", "SKILL.md"), `---\nname: evil\ndescription: ${SECRET}\n---\n`);
  await removeContainer(CONTAINER);
  await createSandboxContainer(CONTAINER, dataDir);
});

afterAll(async () => {
  await removeContainer(CONTAINER);
  await rm(root, { recursive: true, force: true });
});

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const hostTree = () => execFileSync("find", [hostDir, "-printf", "%p %s\n"]).toString();
const topLevel = (h: MomHarness, channel: string) => h.fake.botMessages(channel).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
/** One entry of mom's (this process's) real environment block: what a MEMORY.md link to /proc/self/environ would leak. */
const environEntry = () =>
  readFileSync("/proc/self/environ", "utf8")
    .split("\0")
    .filter((e) => e.includes("="))
    .sort((a, b) => b.length - a.length)[0]!;

describe("mom's data directory against links made in the Docker sandbox", () => {
  it("never puts a host file behind a link made in the container into the model request, and still answers", async () => {
    const links = [
      "ln -sfn /proc/self/environ /workspace/MEMORY.md",
      `ln -sfn ${hostDir}/secret.txt /workspace/CGENERAL/MEMORY.md`,
      `ln -sfn ${hostDir}/created-by-mom /workspace/CGENERAL/log.jsonl`,
      `ln -sfn ${hostDir}/context.txt /workspace/CGENERAL/context.jsonl`,
      `ln -sfn ${hostDir}/evil-skill /workspace/skills/evil`,
      `ln -sfn ${hostDir} /workspace/CGENERAL/skills/all`,
      "echo linked",
    ].join(" && ");
    harness = await createHarness([step.toolCall("bash", { command: links }), step.text("Links made."), step.text("I still answer.")], { dataDir });
    const h = harness;
    await h.start([`--sandbox=docker:${CONTAINER}`, dataDir]);
    const before = hostTree();

    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> make the links" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Links made."), { description: "the first answer" });
    expect(h.model.requests[1]!.toolResults.at(-1)!.content).toContain("linked"); // the links were made in the container
    expect((await lstat(join(dataDir, "MEMORY.md"))).isSymbolicLink()).toBe(true);

    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> what do you remember?" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "I still answer."), { description: "the answer after the links" });

    const second: RecordedRequest = h.model.requests[2]!;
    const sent = JSON.stringify(second.body);
    expect(sent).not.toContain(SECRET);
    expect(sent).not.toContain(environEntry());
    expect(second.system).toContain("[MEMORY.md was not read: refused: MEMORY.md is a symbolic link (made inside the sandbox?)");
    expect(second.system).toContain("[CGENERAL/MEMORY.md was not read: refused: CGENERAL/MEMORY.md is a symbolic link");
    expect(second.lastUserText).toContain("what do you remember?");

    // Nothing was created, appended to or replaced on the host through the links.
    expect(hostTree()).toBe(before);
    expect(existsSync(join(hostDir, "created-by-mom"))).toBe(false);
    expect(await readFile(join(hostDir, "context.txt"), "utf8")).toBe("host context file\n");
    // The context link was replaced by mom's own file (positive control: the turn was kept).
    expect((await lstat(join(dataDir, "CGENERAL", "context.jsonl"))).isFile()).toBe(true);
    expect(await readFile(join(dataDir, "CGENERAL", "context.jsonl"), "utf8")).toContain("what do you remember?");
    expect(h.stderr.join("")).toContain("could not log a message in CGENERAL: refused: CGENERAL/log.jsonl is a symbolic link");
  });

  it("answers in a channel whose directory was replaced by a link in the container, without touching the host directory", async () => {
    harness = await createHarness(
      [
        step.toolCall("bash", {
          command: `mkdir -p /workspace/CRANDOM && mv /workspace/CRANDOM /workspace/CRANDOM.moved && ln -sfn ${hostDir} /workspace/CRANDOM && echo swapped`,
        }),
        step.text("Swapped."),
        step.text("Answered anyway."),
      ],
      { dataDir },
    );
    const h = harness;
    await h.start([`--sandbox=docker:${CONTAINER}`, dataDir]);
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> swap random" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Swapped."), { description: "the swap" });
    expect((await lstat(join(dataDir, "CRANDOM"))).isSymbolicLink()).toBe(true);
    const before = hostTree();

    const file = h.fake.addFile("upload.txt", "shared file body");
    h.fake.postUserMessage({ channel: "CRANDOM", user: "UALICE", text: "<@UBOT> hello over there", files: [file] });
    await h.fake.waitFor(() => topLevel(h, "CRANDOM").find((m) => m.text === "Answered anyway."), { description: "the answer in CRANDOM" });
    const request = h.model.requests[2]!;
    expect(JSON.stringify(request.body)).not.toContain(SECRET);
    expect(request.system).toContain("refused: CRANDOM is a symbolic link");
    expect(request.lastUserText).not.toContain("[attached:");
    expect(hostTree()).toBe(before);
    // mom started although CGENERAL/log.jsonl is still a link: the history fetch skipped it.
    expect(h.stderr.join("")).toContain("history: could not fetch CGENERAL: refused: CGENERAL/log.jsonl is a symbolic link");
    expect(h.stderr.join("")).toContain("could not download upload.txt in CRANDOM: CRANDOM/attachments/ cannot be used: refused: CRANDOM is a symbolic link");
  });

  it("never moves an invalid event into a host directory linked in place of events/invalid in the container", async () => {
    harness = await createHarness(
      [
        step.toolCall("bash", {
          command: `rm -rf /workspace/events/invalid && ln -sfn ${hostDir} /workspace/events/invalid && echo '{ not json' > /workspace/events/bad.json`,
        }),
        step.text("Done."),
      ],
      {
        dataDir,
      },
    );
    const h = harness;
    await h.start([`--sandbox=docker:${CONTAINER}`, dataDir]);
    const before = hostTree();
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> break events" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Done."), { description: "the answer" });
    await until(() => h.stderr.join("").includes("bad.json is invalid"), "the scheduler to see bad.json");
    expect(h.stderr.join("")).toContain("could not be moved aside: refused: events/invalid is a symbolic link");
    expect(hostTree()).toBe(before);
    expect(existsSync(join(dataDir, "events", "bad.json"))).toBe(true);
  });

  it("attach (host mode) refuses a link made by a command to a file outside the data directory, and shares a real file", async () => {
    harness = await createHarness([
      step.toolCall("bash", { command: `ln -sfn ${hostDir}/secret.txt ../leak.txt && printf 'real report' > report.txt && echo ok` }),
      step.toolCall("attach", { path: "CGENERAL/leak.txt" }),
      step.toolCall("attach", { path: "CGENERAL/scratch/report.txt" }),
      step.text("Shared what I may."),
    ]);
    const h = harness;
    await h.start(["--sandbox=host", h.dataDir]);
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> share the files" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Shared what I may."), { description: "the answer" });
    expect((await lstat(join(h.dataDir, "CGENERAL", "leak.txt"))).isSymbolicLink()).toBe(true);
    expect(h.model.requests[2]!.toolResults.at(-1)!.content).toContain(`CGENERAL/leak.txt resolves to ${hostDir}/secret.txt, which is outside the workspace`);
    const uploads = [...h.fake.uploads.values()];
    expect(uploads.map((u) => u.bytes.toString())).toEqual(["real report"]); // positive control; the secret was never uploaded
  });

  it("starts and answers with skills/ and events/ replaced by links in the container, never reading or writing the host directory", async () => {
    const swap = await run("docker", [
      "exec",
      CONTAINER,
      "sh",
      "-c",
      `mv /workspace/skills /workspace/skills.moved && mv /workspace/events /workspace/events.moved && ln -sfn ${hostDir} /workspace/skills && ln -sfn ${hostDir} /workspace/events && echo swapped`,
    ]);
    expect(swap.stdout).toContain("swapped");
    await writeFile(join(hostDir, "now.json"), JSON.stringify({ type: "immediate", channelId: "CGENERAL", text: SECRET }));
    const before = hostTree();
    harness = await createHarness([step.text("Still here.")], { dataDir });
    const h = harness;
    await h.start([`--sandbox=docker:${CONTAINER}`, dataDir]);
    h.fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> are you there?" });
    await h.fake.waitFor(() => topLevel(h, "CGENERAL").find((m) => m.text === "Still here."), { description: "the answer" });
    expect(h.stderr.join("")).toContain("data directory: refused: skills is a symbolic link");
    expect(h.stderr.join("")).toContain("events: cannot use events/: refused: events is a symbolic link");
    expect(JSON.stringify(h.model.requests.map((r) => r.body))).not.toContain(SECRET); // neither the skill nor the event in the host directory
    expect(h.model.requests).toHaveLength(1);
    expect(hostTree()).toBe(before);
    await rm(join(hostDir, "now.json"));
  });
});
