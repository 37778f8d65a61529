import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { buildImage, readDockerignore } from "./image-build.js";
import { MONOCLAW_DOCKERFILE } from "./monoclaw-dockerfile.js";
import { createProgressPrinter } from "./progress-printer.js";
import { testDocker } from "../docker.test-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "monoclaw-build-"));
const TAG = `mc-test-image-build:${process.pid}`;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await testDocker.getImage(TAG).remove({ force: true }).catch(() => undefined);
});

describe("image build", () => {
  it("ships the repository's docker/Dockerfile.monoclaw as the built-in Dockerfile", () => {
    const repoFile = fileURLToPath(new URL("../../../../docker/Dockerfile.monoclaw", import.meta.url));
    expect(MONOCLAW_DOCKERFILE).toBe(readFileSync(repoFile, "utf8"));
    expect(MONOCLAW_DOCKERFILE).toMatch(/^FROM ubuntu:24\.04$/m);
    expect(MONOCLAW_DOCKERFILE).toContain("ripgrep");
  });

  it("honours .dockerignore patterns and exceptions", async () => {
    writeFileSync(join(dir, ".dockerignore"), "# comment\nnode_modules\n*.log\n!keep.log\nsecret/\n**/*.tmp\n");
    const ignored = await readDockerignore(dir);
    expect(["node_modules", "node_modules/x/y.js", "a.log", "secret/key", "deep/er/x.tmp"].filter(ignored)).toHaveLength(5);
    expect(["keep.log", "src/a.ts", "logs/a.txt"].some(ignored)).toBe(false);
  });

  it("builds through the Engine API with progress, leaving ignored files out of the context", async () => {
    writeFileSync(join(dir, "included.txt"), "in");
    writeFileSync(join(dir, "excluded.log"), "out");
    const events: string[] = [];
    await buildImage(testDocker, {
      contextDir: dir,
      dockerfile: "FROM monoclaw-test/busybox:latest\nARG GREETING\nCOPY . /ctx/\nRUN echo \"$GREETING\" > /greeting\n",
      tag: TAG,
      buildArgs: { GREETING: "hello" },
      onProgress: (event) => event.stream && events.push(event.stream),
    });
    expect(events.join("")).toContain("Successfully tagged");
    const container = await testDocker.createContainer({ Image: TAG, Cmd: ["sh", "-c", "ls /ctx; cat /greeting"], HostConfig: { NetworkMode: "none" } });
    await container.start();
    await container.wait();
    const logs = (await container.logs({ stdout: true })).toString("latin1");
    await container.remove({ force: true });
    expect(logs).toContain("included.txt");
    expect(logs).not.toContain("excluded.log");
    expect(logs).toContain("hello");
  });
});

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
