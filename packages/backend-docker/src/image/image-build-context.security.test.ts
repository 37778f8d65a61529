import { spawn } from "node:child_process";
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract, pack } from "tar-stream";
import { afterEach, beforeEach, expect, it } from "vitest";
import { readDockerignore } from "./dockerignore.js";
import { fillContext } from "./image-build.js";

// `monoclaw image build` may be run on a workspace a container writes. The
// context tar goes to the engine and into the image the sandbox then runs,
// so a link made in the workspace must never put a host file into it: not
// as a file, a directory, .dockerignore, nor when swapped in mid-walk.

let base: string;
let context: string;
let host: string;
const SECRET = "HOST-SECRET-id_rsa-never-in-the-image";

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "build-context-sec-")));
  context = join(base, "workspace");
  host = join(base, "host");
  await mkdir(join(context, "sub"), { recursive: true });
  await mkdir(host);
  await writeFile(join(host, "a.txt"), SECRET);
  await writeFile(join(context, "sub", "a.txt"), "workspace file");
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** The context as the engine would receive it: name -> content (links as "-> target"). */
async function archived(): Promise<Map<string, string>> {
  const archive = pack();
  const seen = new Map<string, string>();
  const reader = extract();
  reader.on("entry", (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: unknown) => void chunks.push(c as Buffer));
    stream.on("end", () => {
      seen.set(header.name, header.type === "symlink" ? `-> ${header.linkname}` : Buffer.concat(chunks).toString());
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    reader.on("finish", () => resolve());
    reader.on("error", reject);
  });
  archive.pipe(reader);
  await fillContext(archive, context, await readDockerignore(context), "FROM scratch\n");
  await done;
  return seen;
}

it("archives a link made in the workspace as a link, never the host file or directory it points to", async () => {
  await symlink(join(host, "a.txt"), join(context, "id_rsa"));
  await symlink(host, join(context, "hostdir"));
  const seen = await archived();
  expect(seen.get("sub/a.txt")).toBe("workspace file"); // positive control
  expect(seen.get("id_rsa")).toBe(`-> ${join(host, "a.txt")}`);
  expect(seen.get("hostdir")).toBe(`-> ${host}`);
  expect([...seen.values()].join("\n")).not.toContain(SECRET);
});

it("never reads .dockerignore through a link made in the workspace", async () => {
  await writeFile(join(host, "ignore"), "sub\n");
  await symlink(join(host, "ignore"), join(context, ".dockerignore"));
  const ignored = await readDockerignore(context).catch((error: Error) => error);
  expect(ignored).toBeInstanceOf(Error);
  expect((ignored as Error).message).toContain("symbolic link");
});

it("never puts a host file into the context while the workspace swaps sub/ between a directory and a link to a host directory", async () => {
  const script = `
    const fs = require("node:fs");
    const [sub, real, host] = process.argv.slice(1);
    for (;;) {
      try { fs.renameSync(sub, real); fs.symlinkSync(host, sub); fs.unlinkSync(sub); fs.renameSync(real, sub); } catch {}
    }`;
  const child = spawn(process.execPath, ["-e", script, join(context, "sub"), join(context, ".sub-real"), host], { stdio: "ignore" });
  let workspaceSeen = 0;
  try {
    const end = Date.now() + 4000;
    let rounds = 0;
    while (Date.now() < end || rounds < 20) {
      rounds += 1;
      const seen = await archived().catch(() => new Map<string, string>()); // a refused swap fails the build: fine
      const all = [...seen.values()].join("\n");
      expect(all).not.toContain(SECRET);
      if (all.includes("workspace file")) workspaceSeen += 1;
    }
  } finally {
    child.kill("SIGKILL");
  }
  // Positive control: the racing walk did read the workspace's own file.
  expect(workspaceSeen).toBeGreaterThan(0);
}, 30_000);
