import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { buildImage } from "./image-build.js";
import { MONOCLAW_DOCKERFILE } from "./monoclaw-dockerfile.js";
import { createProgressPrinter } from "./progress-printer.js";
import { testDocker } from "../docker.test-helpers.js";
import { createFrameDemuxer } from "../exec/frame-demuxer.js";

const dir = mkdtempSync(join(tmpdir(), "monoclaw-build-"));
const TAG = `mc-test-image-build:${process.pid}`;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await testDocker
    .getImage(TAG)
    .remove({ force: true })
    .catch(() => undefined);
});

describe("image build", () => {
  it("ships the repository's docker/Dockerfile.monoclaw as the built-in Dockerfile", () => {
    const repoFile = fileURLToPath(new URL("../../../../docker/Dockerfile.monoclaw", import.meta.url));
    expect(MONOCLAW_DOCKERFILE).toBe(readFileSync(repoFile, "utf8"));
    expect(MONOCLAW_DOCKERFILE).toMatch(/^FROM ubuntu:24\.04$/m);
    expect(MONOCLAW_DOCKERFILE).toContain("ripgrep");
  });

  it("builds an image whose files follow .dockerignore by Docker's rules (dir + !dir/keep, **/*.log, !important.log, leading /, # comments)", async () => {
    const context = mkdtempSync(join(tmpdir(), "monoclaw-build-ignore-"));
    try {
      const files = [
        "kept.txt",
        "dir/keep",
        "dir/drop",
        "dir/sub/drop",
        "a.log",
        "x/y/b.log",
        "important.log",
        "x/important.log",
        "build/out",
        "src/build/in",
        "#c.txt",
      ];
      for (const file of files) {
        mkdirSync(dirname(join(context, file)), { recursive: true });
        writeFileSync(join(context, file), file);
      }
      writeFileSync(join(context, ".dockerignore"), "# a comment line, not a pattern\n#c.txt\ndir\n!dir/keep\n**/*.log\n!important.log\n/build\n");
      const listing = await filesInBuiltImage(context, `${TAG}-ignore`);
      // Positive controls: what must be there is there.
      expect(listing).toEqual(expect.arrayContaining(["kept.txt", "dir/keep", "important.log", "src/build/in", "#c.txt", ".dockerignore"]));
      for (const gone of ["dir/drop", "dir/sub/drop", "a.log", "x/y/b.log", "x/important.log", "build/out"]) expect(listing).not.toContain(gone);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  });

  it("sends a symlink to /etc/passwd or to a host file as a link, never the host file's content, into the built image", async () => {
    const base = mkdtempSync(join(tmpdir(), "monoclaw-build-link-"));
    const context = join(base, "context");
    try {
      mkdirSync(context);
      writeFileSync(join(base, "host-secret"), "HOST-SECRET-not-in-the-image");
      writeFileSync(join(context, "real.txt"), "context file");
      symlinkSync("/etc/passwd", join(context, "passwd"));
      symlinkSync(join(base, "host-secret"), join(context, "secret"));
      symlinkSync(base, join(context, "hostdir"));
      const out = await runInBuiltImage(
        context,
        `${TAG}-link`,
        'for f in passwd secret hostdir; do [ -L /ctx/$f ] && echo "$f -> $(readlink /ctx/$f)"; done; cat /ctx/real.txt; echo; grep -r HOST-SECRET /ctx 2>/dev/null; echo ==image; cat /etc/passwd; echo ==link; cat /ctx/passwd; true',
      );
      expect(out).toContain("context file"); // positive control: the context's own file is in the image
      expect(out).toContain("passwd -> /etc/passwd");
      expect(out).toContain(`secret -> ${join(base, "host-secret")}`);
      expect(out).toContain(`hostdir -> ${base}`);
      expect(out).not.toContain("HOST-SECRET-not-in-the-image");
      // Through the link the image reads its own /etc/passwd, never a line only the host's has.
      const [imagePasswd = "", viaLink = ""] = out.split("==image\n")[1]?.split("==link\n") ?? [];
      const hostOnly = readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .filter((line) => line !== "" && !imagePasswd.includes(line));
      expect(hostOnly.length).toBeGreaterThan(0);
      expect(viaLink).toBe(imagePasswd);
      for (const line of hostOnly) expect(out).not.toContain(line);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it("builds through the Engine API with progress, leaving ignored files out of the context", async () => {
    writeFileSync(join(dir, "included.txt"), "in");
    writeFileSync(join(dir, "excluded.log"), "out");
    writeFileSync(join(dir, ".dockerignore"), "*.log\n");
    const events: string[] = [];
    await buildImage(testDocker, {
      contextDir: dir,
      dockerfile: 'FROM monoclaw-test/busybox:latest\nARG GREETING\nCOPY . /ctx/\nRUN echo "$GREETING" > /greeting\n',
      tag: TAG,
      buildArgs: { GREETING: "hello" },
      onProgress: (event) => event.stream && events.push(event.stream),
    });
    expect(events.join("")).toContain("Successfully tagged");
    const logs = await runImage(TAG, "ls /ctx; cat /greeting");
    expect(logs).toContain("included.txt");
    expect(logs).not.toContain("excluded.log");
    expect(logs).toContain("hello");
  });
});

/** Builds `context` with COPY . /ctx/ and runs `script` in the image (network none); the image is removed after. */
async function runInBuiltImage(context: string, tag: string, script: string): Promise<string> {
  await buildImage(testDocker, { contextDir: context, dockerfile: "FROM monoclaw-test/busybox:latest\nCOPY . /ctx/\n", tag });
  try {
    return await runImage(tag, script);
  } finally {
    await testDocker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

/** Every file (not directory) under /ctx in the image built from `context`, relative to /ctx. */
async function filesInBuiltImage(context: string, tag: string): Promise<string[]> {
  const out = await runInBuiltImage(context, tag, "cd /ctx && find . -type f");
  return out
    .split("\n")
    .filter((line) => line.startsWith("./"))
    .map((line) => line.slice(2))
    .sort();
}

async function runImage(image: string, script: string): Promise<string> {
  const container = await testDocker.createContainer({ Image: image, Cmd: ["sh", "-c", script], HostConfig: { NetworkMode: "none" } });
  try {
    await container.start();
    await container.wait();
    const chunks: Uint8Array[] = [];
    const demuxer = createFrameDemuxer((type, payload) => void (type === 1 && chunks.push(payload)));
    demuxer.push(await container.logs({ stdout: true, stderr: true })); // stdout only is kept: its order is the script's
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    await container.remove({ force: true });
  }
}

describe("createProgressPrinter", () => {
  it("prints plain lines without a terminal, each layer status once", () => {
    let out = "";
    const print = createProgressPrinter((text) => (out += text), false);
    print({ status: "Pulling from library/ubuntu", id: "24.04" });
    print({ status: "Downloading", id: "abc", progressDetail: { current: 1, total: 10 } });
    print({ status: "Downloading", id: "abc", progressDetail: { current: 5, total: 10 } });
    print({ status: "Pull complete", id: "abc" });
    expect(out).toBe("24.04: Pulling from library/ubuntu\nabc: Downloading\nabc: Pull complete\n");
  });

  it("draws one redrawn bar on a terminal", () => {
    let out = "";
    const print = createProgressPrinter((text) => (out += text), true);
    print({ status: "Downloading", id: "abc", progressDetail: { current: 5_000_000, total: 10_000_000 } });
    expect(out).toContain("\r\x1b[2K[###############               ] 50% 5.0/10.0 MB");
  });
});
