import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, realpath, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelMessage } from "ai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventScheduler, type EventFiring } from "../events/event-scheduler.js";
import { downloadAttachments } from "../slack/attachments.js";
import { ChannelContext } from "./channel-context.js";
import { ChannelLog, type LogEntry } from "./channel-log.js";
import { dataDirLayout, prepareChannelDir, prepareDataDir, type DataDir } from "./data-dir.js";
import { listSkills, MAX_SKILLS_PER_DIR, MEMORY_MAX_BYTES, readMemory } from "./memory-and-skills.js";

// Every file and directory mom touches in her data directory, with a link
// (as a command in the sandbox would make it) in each position: the file
// itself, the channel directory, the skills directories, events/ and
// events/invalid/, attachments/. "host" stands for the host's own files,
// outside the data directory. Real files, links, FIFOs, device nodes and a
// real second process swapping links in.

let base: string;
let root: string;
let host: string;
let data: DataDir;
const SECRET = "xoxb-HOST-SECRET-never-to-reach-the-model";

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "mom-datadir-sec-")));
  root = join(base, "data");
  host = join(base, "host");
  await mkdir(root);
  await mkdir(host);
  await writeFile(join(host, "secret.txt"), SECRET);
  data = dataDirLayout(root);
  await prepareDataDir(data);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const hostTree = () => execFileSync("find", [host, "-printf", "%p %s\n"]).toString();
const entry = (ts: string): LogEntry => ({ ts, date: new Date().toISOString(), user: "U1", text: `message ${ts}`, isBot: false });

async function until(fn: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("MEMORY.md", () => {
  it("reads a regular MEMORY.md (positive control)", async () => {
    await writeFile(join(root, "MEMORY.md"), "likes tea\n");
    await mkdir(join(root, "C111"));
    await writeFile(join(root, "C111", "MEMORY.md"), "channel note\n");
    expect(await readMemory(data.files, data.memoryFile)).toBe("likes tea");
    expect(await readMemory(data.files, data.channel("C111").memoryFile)).toBe("channel note");
  });

  it("never reads a host file through a MEMORY.md symlink made in the sandbox (global and channel)", async () => {
    await symlink(join(host, "secret.txt"), join(root, "MEMORY.md"));
    await mkdir(join(root, "C111"));
    await symlink(join(host, "secret.txt"), join(root, "C111", "MEMORY.md"));
    const global = await readMemory(data.files, data.memoryFile);
    const channel = await readMemory(data.files, data.channel("C111").memoryFile);
    expect(global).not.toContain(SECRET);
    expect(channel).not.toContain(SECRET);
    expect(global).toBe(
      "[MEMORY.md was not read: refused: MEMORY.md is a symbolic link (made inside the sandbox?); links are not followed in mom's data directory. Replace it with a regular file.]",
    );
    expect(channel).toContain("refused: C111/MEMORY.md is a symbolic link");
  });

  it("never reads /proc/self/environ (mom's tokens and model key) through a MEMORY.md link", async () => {
    await symlink("/proc/self/environ", join(root, "MEMORY.md"));
    // An entry of this process's real environment block (what the link would leak).
    const environEntry = readFileSync("/proc/self/environ", "utf8")
      .split("\0")
      .filter((e) => e.includes("="))
      .sort((x, y) => y.length - x.length)[0]!;
    expect(await readFile(join(root, "MEMORY.md"), "utf8")).toContain(environEntry); // positive control: a naive read leaks it
    const memory = await readMemory(data.files, data.memoryFile);
    expect(memory).not.toContain(environEntry);
    expect(memory).toContain("is a symbolic link");
  });

  it("never reads MEMORY.md through a channel directory that is a link to a host directory", async () => {
    await writeFile(join(host, "MEMORY.md"), SECRET);
    await symlink(host, join(root, "C111"));
    const memory = await readMemory(data.files, data.channel("C111").memoryFile);
    expect(memory).not.toContain(SECRET);
    expect(memory).toContain("refused: C111 is a symbolic link");
  });

  it("does not hang on a MEMORY.md FIFO and never reads a MEMORY.md device node", async () => {
    execFileSync("mkfifo", [join(root, "MEMORY.md")]);
    const started = Date.now();
    expect(await readMemory(data.files, data.memoryFile)).toContain("is a named pipe (FIFO), not a regular file");
    expect(Date.now() - started).toBeLessThan(2000);
    await mkdir(join(root, "C111"));
    execFileSync("mknod", [join(root, "C111", "MEMORY.md"), "c", "1", "8"]); // /dev/random
    expect(await readMemory(data.files, data.channel("C111").memoryFile)).toContain("is a device, not a regular file");
  });

  it("reads at most MEMORY_MAX_BYTES of a 10 GB MEMORY.md and tells the model it was cut", async () => {
    await writeFile(join(root, "MEMORY.md"), "");
    await truncate(join(root, "MEMORY.md"), 10 * 1024 ** 3);
    const memory = await readMemory(data.files, data.memoryFile);
    expect(memory.length).toBeLessThan(MEMORY_MAX_BYTES + 500);
    expect(memory).toContain(`[MEMORY.md is ${10 * 1024 ** 3} bytes; only its first ${MEMORY_MAX_BYTES} bytes were read. Shorten it: keep what matters.]`);
  });
});

describe("skills", () => {
  const skill = (description: string) => `---\nname: deploy\ndescription: ${description}\n---\n`;

  async function hostSkills(): Promise<void> {
    await mkdir(join(host, "deploy"), { recursive: true });
    await writeFile(join(host, "deploy", "SKILL.md"), skill(SECRET));
    await writeFile(join(host, "SKILL.md"), skill(SECRET));
  }

  it("lists a regular skill (positive control)", async () => {
    await mkdir(join(root, "skills", "deploy"), { recursive: true });
    await writeFile(join(root, "skills", "deploy", "SKILL.md"), skill("Ship it"));
    expect((await listSkills(data.files, data.skillsDir, "global")).skills).toEqual([
      { name: "deploy", description: "Ship it", path: "skills/deploy/SKILL.md", scope: "global" },
    ]);
  });

  it("lists at most MAX_SKILLS_PER_DIR skills of a directory flooded with them", async () => {
    for (let i = 0; i < MAX_SKILLS_PER_DIR + 50; i++) {
      await mkdir(join(root, "skills", `s${String(i).padStart(4, "0")}`));
      await writeFile(join(root, "skills", `s${String(i).padStart(4, "0")}`, "SKILL.md"), skill(`skill ${i}`));
    }
    const { skills, problems } = await listSkills(data.files, data.skillsDir, "global");
    expect(skills).toHaveLength(MAX_SKILLS_PER_DIR);
    expect(problems).toEqual([
      { path: "skills", reason: `${MAX_SKILLS_PER_DIR + 50} skill directories; only the first ${MAX_SKILLS_PER_DIR} (by name) are listed` },
    ]);
  });

  it("never lists or reads skills through skills/ as a link", async () => {
    await hostSkills();
    await rm(join(root, "skills"), { recursive: true });
    await symlink(host, join(root, "skills"));
    const { skills, problems } = await listSkills(data.files, data.skillsDir, "global");
    expect(skills).toEqual([]);
    expect(problems).toEqual([{ path: "skills", reason: expect.stringContaining("refused: skills is a symbolic link") }]);
  });

  it("never reads a skill through skills/<name> as a link", async () => {
    await hostSkills();
    await symlink(join(host, "deploy"), join(root, "skills", "deploy"));
    const { skills, problems } = await listSkills(data.files, data.skillsDir, "global");
    expect(skills).toEqual([]);
    expect(JSON.stringify(problems)).not.toContain(SECRET);
    expect(problems[0]).toEqual({ path: "skills/deploy", reason: "a symbolic link; links are not followed in mom's data directory" });
  });

  it("never reads skills/<name>/SKILL.md as a link", async () => {
    await hostSkills();
    await mkdir(join(root, "skills", "deploy"));
    await symlink(join(host, "SKILL.md"), join(root, "skills", "deploy", "SKILL.md"));
    const { skills, problems } = await listSkills(data.files, data.skillsDir, "global");
    expect(skills).toEqual([]);
    expect(problems[0]!.reason).toContain("refused: skills/deploy/SKILL.md is a symbolic link");
  });

  it("never reads channel skills through <channel>/ or <channel>/skills as a link", async () => {
    await hostSkills();
    await mkdir(join(host, "skills", "deploy"), { recursive: true });
    await writeFile(join(host, "skills", "deploy", "SKILL.md"), skill(SECRET));
    await symlink(host, join(root, "C111"));
    expect(JSON.stringify(await listSkills(data.files, data.channel("C111").skillsDir, "channel"))).not.toContain(SECRET);
    await mkdir(join(root, "C222"));
    await symlink(host, join(root, "C222", "skills"));
    const c2 = await listSkills(data.files, data.channel("C222").skillsDir, "channel");
    expect(c2.skills).toEqual([]);
    expect(c2.problems[0]!.reason).toContain("refused: C222/skills is a symbolic link");
  });
});

describe("log.jsonl", () => {
  it("appends to and reads a regular log (positive control)", async () => {
    const log = new ChannelLog(data.files, data.channel("C111").logFile);
    await log.append([entry("1.1"), entry("1.2")]);
    expect((await new ChannelLog(data.files, data.channel("C111").logFile).entries()).map((e) => e.ts)).toEqual(["1.1", "1.2"]);
  });

  it("never creates or appends to a host file through a log.jsonl link to a missing host path", async () => {
    await mkdir(join(root, "C111"));
    await symlink(join(host, ".bashrc"), join(root, "C111", "log.jsonl"));
    const log = new ChannelLog(data.files, data.channel("C111").logFile);
    await expect(log.append([entry("1.1")])).rejects.toThrow("refused: C111/log.jsonl is a symbolic link (made inside the sandbox?)");
    expect(existsSync(join(host, ".bashrc"))).toBe(false);
  });

  it("never appends to an existing host file through a log.jsonl link, nor reads it", async () => {
    await mkdir(join(root, "C111"));
    await writeFile(join(host, ".profile"), `export A=${SECRET}\n`);
    await symlink(join(host, ".profile"), join(root, "C111", "log.jsonl"));
    const log = new ChannelLog(data.files, data.channel("C111").logFile);
    await expect(log.entries()).rejects.toThrow("is a symbolic link");
    await expect(log.append([entry("1.1")])).rejects.toThrow("is a symbolic link");
    expect(await readFile(join(host, ".profile"), "utf8")).toBe(`export A=${SECRET}\n`);
  });

  it("never writes a log through a channel directory that is a link", async () => {
    await symlink(host, join(root, "C111"));
    const before = hostTree();
    await expect(new ChannelLog(data.files, data.channel("C111").logFile).append([entry("1.1")])).rejects.toThrow("refused: C111 is a symbolic link");
    expect(hostTree()).toBe(before);
  });

  it("reads only the newest 64 MiB of a 10 GB log.jsonl", async () => {
    await mkdir(join(root, "C111"));
    const path = join(root, "C111", "log.jsonl");
    await writeFile(path, "");
    await truncate(path, 10 * 1024 ** 3); // sparse
    await writeFile(path, `\n${JSON.stringify(entry("9.1"))}\n${JSON.stringify(entry("9.2"))}\n`, { flag: "a" });
    const log = new ChannelLog(data.files, data.channel("C111").logFile);
    expect((await log.entries()).map((e) => e.ts)).toEqual(["9.1", "9.2"]);
    expect(await log.newestTs()).toBe("9.2");
  });

  it("refuses a log.jsonl FIFO at once", async () => {
    await mkdir(join(root, "C111"));
    execFileSync("mkfifo", [join(root, "C111", "log.jsonl")]);
    await expect(new ChannelLog(data.files, data.channel("C111").logFile).append([entry("1.1")])).rejects.toThrow("is a named pipe (FIFO)");
  });
});

describe("context.jsonl", () => {
  const messages: ModelMessage[] = [
    { role: "user", content: "hi" },
    { role: "assistant", content: "hello" },
  ];

  it("appends, loads and replaces a regular context (positive control)", async () => {
    const context = new ChannelContext(data.files, data.channel("C111").contextFile);
    await context.append(messages);
    expect(await context.load()).toEqual(messages);
    await context.replace([messages[0]!]);
    expect(await context.load()).toEqual([messages[0]]);
  });

  it("replaces a context.jsonl link with a file and never touches the host file it points to", async () => {
    await mkdir(join(root, "C111"));
    await writeFile(join(host, "authorized_keys"), "ssh-ed25519 AAAA owner\n");
    await symlink(join(host, "authorized_keys"), join(root, "C111", "context.jsonl"));
    const context = new ChannelContext(data.files, data.channel("C111").contextFile);
    await expect(context.load()).rejects.toThrow("refused: C111/context.jsonl is a symbolic link");
    await expect(context.append(messages)).rejects.toThrow("is a symbolic link");
    await context.replace(messages);
    expect(await readFile(join(host, "authorized_keys"), "utf8")).toBe("ssh-ed25519 AAAA owner\n");
    expect((await lstat(join(root, "C111", "context.jsonl"))).isFile()).toBe(true);
    expect(await context.load()).toEqual(messages);
  });

  it("loads a 10 GB context.jsonl from its newest 64 MiB, starting at a user message", async () => {
    await mkdir(join(root, "C111"));
    const path = join(root, "C111", "context.jsonl");
    await writeFile(path, "");
    await truncate(path, 10 * 1024 ** 3); // sparse
    const orphan: ModelMessage = { role: "tool", content: [{ type: "tool-result", toolCallId: "t1", toolName: "bash", output: { type: "text", value: "x" } }] };
    await writeFile(path, `\n${[orphan, ...messages].map((m) => JSON.stringify(m)).join("\n")}\n`, { flag: "a" });
    expect(await new ChannelContext(data.files, data.channel("C111").contextFile).load()).toEqual(messages);
  });

  it("never replaces a context through a channel directory that is a link", async () => {
    await writeFile(join(host, "context.jsonl"), "host file\n");
    await symlink(host, join(root, "C111"));
    const before = hostTree();
    await expect(new ChannelContext(data.files, data.channel("C111").contextFile).replace(messages)).rejects.toThrow("refused: C111 is a symbolic link");
    expect(hostTree()).toBe(before);
    expect(await readFile(join(host, "context.jsonl"), "utf8")).toBe("host file\n");
  });
});

describe("channel directories", () => {
  it("creates attachments/, scratch/ and skills/ (positive control), refusing each one as a link", async () => {
    await prepareChannelDir(data.channel("C111"));
    expect((await readdir(join(root, "C111"))).sort()).toEqual(["attachments", "scratch", "skills"]);
    for (const sub of ["attachments", "scratch", "skills"]) {
      await mkdir(join(root, "C222"), { recursive: true });
      await rm(join(root, "C222", sub), { recursive: true, force: true });
      await symlink(host, join(root, "C222", sub));
      const before = hostTree();
      await expect(prepareChannelDir(data.channel("C222"))).rejects.toThrow(`refused: C222/${sub} is a symbolic link`);
      expect(hostTree()).toBe(before);
      await rm(join(root, "C222"), { recursive: true });
    }
  });

  it("refuses skills/ or events/ as links when preparing the data directory", async () => {
    await rm(join(root, "events"), { recursive: true });
    await symlink(host, join(root, "events"));
    await expect(prepareDataDir(data)).rejects.toThrow("refused: events is a symbolic link");
  });
});

describe("events/", () => {
  let scheduler: EventScheduler | undefined;
  const logs: string[] = [];
  afterEach(() => {
    scheduler?.stop();
    scheduler = undefined;
    logs.length = 0;
  });
  const immediate = (text: string) => JSON.stringify({ type: "immediate", channelId: "C111", text });

  async function startScheduler(fired: EventFiring[]): Promise<void> {
    scheduler = new EventScheduler({
      files: data.files,
      eventsDir: data.eventsDir,
      fire: async (firing) => {
        fired.push(firing);
      },
      log: (m) => logs.push(m),
      rescanIntervalMs: 200,
    });
    await scheduler.start();
  }

  it("never reads an event file that is a link: it is moved aside as a link, the host file untouched", async () => {
    await writeFile(join(host, "event.json"), immediate(SECRET));
    await symlink(join(host, "event.json"), join(root, "events", "linked.json"));
    await writeFile(join(root, "events", "real.json"), immediate("positive control"));
    const fired: EventFiring[] = [];
    await startScheduler(fired);
    await until(() => fired.length === 1 && existsSync(join(root, "events", "invalid", "linked.json.reason.txt")), "the real firing and the link moved aside");
    expect(fired.map((f) => f.event.text)).toEqual(["positive control"]);
    expect(await readlink(join(root, "events", "invalid", "linked.json"))).toBe(join(host, "event.json"));
    expect(await readFile(join(root, "events", "invalid", "linked.json.reason.txt"), "utf8")).toContain("refused: events/linked.json is a symbolic link");
    expect(await readFile(join(host, "event.json"), "utf8")).toBe(immediate(SECRET));
  });

  it("never reads, removes or moves files in a host directory linked in place of events/", async () => {
    await writeFile(join(host, "now.json"), immediate(SECRET));
    await writeFile(join(host, "bad.json"), "not json");
    await rm(join(root, "events"), { recursive: true });
    await symlink(host, join(root, "events"));
    const before = hostTree();
    const fired: EventFiring[] = [];
    await startScheduler(fired);
    await scheduler!.scan();
    await new Promise((r) => setTimeout(r, 1500)); // a few re-scans
    expect(fired).toEqual([]);
    expect(hostTree()).toBe(before);
    expect(logs.some((l) => l.includes("refused: events is a symbolic link"))).toBe(true);
  });

  it("never moves an invalid event into a host directory linked in place of events/invalid/", async () => {
    await symlink(host, join(root, "events", "invalid"));
    await writeFile(join(root, "events", "bad.json"), "not json at all");
    const before = hostTree();
    const fired: EventFiring[] = [];
    await startScheduler(fired);
    await until(() => logs.some((l) => l.includes("could not be moved aside")), "the refused move");
    expect(logs.find((l) => l.includes("could not be moved aside"))).toContain("refused: events/invalid is a symbolic link");
    expect(hostTree()).toBe(before);
    expect(existsSync(join(root, "events", "bad.json"))).toBe(true);
  });

  it("moves a FIFO event file aside without blocking, and skips a 10 GB one without reading it", async () => {
    execFileSync("mkfifo", [join(root, "events", "pipe.json")]);
    await writeFile(join(root, "events", "huge.json"), "");
    await truncate(join(root, "events", "huge.json"), 10 * 1024 ** 3);
    const fired: EventFiring[] = [];
    await startScheduler(fired);
    await until(
      () => existsSync(join(root, "events", "invalid", "pipe.json.reason.txt")) && existsSync(join(root, "events", "invalid", "huge.json.reason.txt")),
      "both moved aside",
    );
    expect(readFileSync(join(root, "events", "invalid", "pipe.json.reason.txt"), "utf8")).toContain("is a named pipe (FIFO)");
    expect(readFileSync(join(root, "events", "invalid", "huge.json.reason.txt"), "utf8")).toContain(`it is ${10 * 1024 ** 3} bytes`);
  });
});

describe("attachments/", () => {
  let server: Server;
  let apiUrl: string;
  beforeEach(async () => {
    server = createServer((_req, res) => res.end("file body"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  const download = (channel: string) =>
    downloadAttachments([{ name: "report.txt", url_private_download: new URL("/files/F1/report.txt", apiUrl).href }], {
      botToken: "xoxb-test",
      files: data.files,
      attachmentsDir: data.channel(channel).attachmentsDir,
      messageTs: "1700000000.000100",
      apiUrl,
    });

  it("downloads into the channel's attachments/ (positive control)", async () => {
    expect(await download("C111")).toEqual([{ ok: true, file: { name: "report.txt", path: "C111/attachments/1700000000.000100_report.txt" } }]);
    expect(await readFile(join(root, "C111", "attachments", "1700000000.000100_report.txt"), "utf8")).toBe("file body");
  });

  it("never downloads into a host directory linked in place of attachments/ or the channel directory", async () => {
    await mkdir(join(root, "C111"));
    await symlink(host, join(root, "C111", "attachments"));
    await symlink(host, join(root, "C222"));
    const before = hostTree();
    const [c1] = await download("C111");
    const [c2] = await download("C222");
    expect(c1).toMatchObject({ ok: false, reason: expect.stringContaining("refused: C111/attachments is a symbolic link") });
    expect(c2).toMatchObject({ ok: false, reason: expect.stringContaining("refused: C222 is a symbolic link") });
    expect(hostTree()).toBe(before);
  });

  it("replaces a link planted at the attachment's name instead of writing through it", async () => {
    await mkdir(join(root, "C111", "attachments"), { recursive: true });
    await symlink(join(host, "secret.txt"), join(root, "C111", "attachments", "1700000000.000100_report.txt"));
    expect((await download("C111"))[0]!.ok).toBe(true);
    expect(await readFile(join(host, "secret.txt"), "utf8")).toBe(SECRET);
    expect((await lstat(join(root, "C111", "attachments", "1700000000.000100_report.txt"))).isFile()).toBe(true);
  });
});

describe("a link swapped in while mom works (TOCTOU)", () => {
  it("never appends a log line into, or reads memory from, the host directory while C111 flips between a directory and a link", async () => {
    await mkdir(join(root, "C111"));
    await writeFile(join(root, "C111", "MEMORY.md"), "real memory");
    await writeFile(join(host, "MEMORY.md"), SECRET);
    const script = `
      const fs = require("fs");
      const [c, host] = process.argv.slice(1);
      const end = Date.now() + 20000;
      while (Date.now() < end) {
        try { fs.renameSync(c, c + ".real"); fs.symlinkSync(host, c); } catch {}
        try { fs.unlinkSync(c); fs.renameSync(c + ".real", c); } catch {}
      }`;
    const swapper = spawn(process.execPath, ["-e", script, join(root, "C111"), host], { stdio: "ignore" });
    let appended = 0;
    let memories = 0;
    try {
      const log = new ChannelLog(data.files, data.channel("C111").logFile);
      const end = Date.now() + 3000;
      for (let i = 0; Date.now() < end; i++) {
        if (
          await log.append([entry(`2.${i}`)]).then(
            () => true,
            () => false,
          )
        )
          appended += 1;
        const memory = await readMemory(data.files, data.channel("C111").memoryFile).catch(() => "");
        expect(memory).not.toContain(SECRET);
        if (memory === "real memory") memories += 1;
      }
    } finally {
      await new Promise((resolve) => {
        swapper.once("exit", resolve);
        swapper.kill("SIGKILL");
      });
    }
    // Positive control: work got done in the real directory meanwhile.
    expect(appended).toBeGreaterThan(0);
    expect(memories).toBeGreaterThan(0);
    expect((await readdir(host)).sort()).toEqual(["MEMORY.md", "secret.txt"]);
    // Every line mom reported written is in the data directory (mom's mkdir may have made a fresh C111 mid-swap).
    let lines = 0;
    for (const dir of ["C111", "C111.real"]) {
      const path = join(root, dir, "log.jsonl");
      if ((await lstat(join(root, dir)).catch(() => undefined))?.isDirectory() && existsSync(path)) {
        lines += readFileSync(path, "utf8").trim().split("\n").length;
      }
    }
    expect(lines).toBe(appended);
  });
});
