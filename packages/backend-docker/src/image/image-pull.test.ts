import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBackendError } from "@monoclaw/core";
import { containerNameForScope } from "../container/container-spec.js";
import { dockerBackendFactory } from "../docker-backend-factory.js";
import { BUSYBOX, containerNames, testBackend, testDocker, text } from "../docker.test-helpers.js";
import { startFakeRegistry, type FakeRegistry } from "./fake-registry.test-helpers.js";
import { imageExists, type PullPolicy } from "./image-pull.js";
import { createProgressPrinter } from "./progress-printer.js";

const names = containerNames("mc-test-pull");
const TAGS = ["fresh", "tty", "present", "always", "offline"];
const workDirs: string[] = [];
let registry: FakeRegistry;

beforeAll(async () => {
  registry = await startFakeRegistry({ docker: testDocker, baseImage: BUSYBOX, tags: TAGS });
});

afterAll(async () => {
  await names.cleanup();
  await Promise.all(
    workDirs.map((dir) =>
      testDocker
        .getContainer(containerNameForScope(dir))
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
  if (registry) {
    for (const tag of [...TAGS, "unknown-tag", "never"]) {
      await testDocker
        .getImage(registry.reference(tag))
        .remove({ force: true })
        .catch(() => undefined);
    }
    await registry.close();
  }
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

const present = (tag: string) => imageExists(testDocker, registry.reference(tag));

/** Pulls straight through the engine (not through the code under test), then forgets the requests it made. */
async function prePull(tag: string): Promise<void> {
  const stream = (await testDocker.pull(registry.reference(tag))) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => testDocker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())));
  expect(await present(tag)).toBe(true);
  registry.clearRequests();
}

/** A backend on `tag` of the fake registry whose pull progress is printed as plain lines into `lines`. */
function pullingBackend(tag: string, pull: PullPolicy, lines: string[] = []) {
  let pending = "";
  const print = createProgressPrinter((chunk) => {
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop()!;
    lines.push(...parts);
  }, false);
  const name = names.next();
  return { name, backend: testBackend(name, { image: registry.reference(tag), pull, log: (m) => lines.push(m), onPullProgress: print }) };
}

async function containersNamed(name: string) {
  const all = await testDocker.listContainers({ all: true });
  return all.filter((c) => c.Names.includes(`/${name}`));
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(Error);
  return outcome as Error;
}

describe("image pulls from a registry (real engine, fake registry on 127.0.0.1)", () => {
  it("pull: missing (the default) pulls an absent image, prints plain progress lines through log, and runs in it", async () => {
    const tag = "fresh";
    const ref = registry.reference(tag);
    expect(await present(tag)).toBe(false);
    const cwd = mkdtempSync(join(tmpdir(), "monoclaw-pull-"));
    workDirs.push(cwd);
    const config = dockerBackendFactory.configSchema.parse({ image: ref, network: "none" });
    expect(config.pull).toBe("missing");
    const lines: string[] = [];
    const backend = dockerBackendFactory.create(config, { terminal: { cwd, timeoutMs: 60_000 }, env: process.env, log: (m) => lines.push(m) });
    try {
      const result = await backend.exec(`cat ${registry.markerPath}`);
      expect(result.exitCode).toBe(0);
      expect(text(result.stdout.head)).toBe(registry.marker(tag));
    } finally {
      await backend.dispose();
    }
    expect(await present(tag)).toBe(true);
    expect(registry.manifestRequests(tag).length).toBeGreaterThan(0);
    expect(registry.requests.some((r) => r.method === "GET" && r.path.startsWith(`/v2/${registry.repository}/blobs/sha256:`))).toBe(true);

    expect(lines[0]).toBe(`Pulling ${ref} (not present locally)`);
    expect(lines).toContain(`${tag}: Pulling from ${registry.repository}`);
    const downloaded = lines.filter((line) => /^[0-9a-f]{12}: Pull complete$/.test(line)).map((line) => line.slice(0, 12));
    expect(downloaded.length).toBeGreaterThan(0);
    for (const layer of downloaded) {
      expect(lines.filter((line) => line.startsWith(`${layer}: `)).map((line) => line.slice(14))).toEqual(
        expect.arrayContaining(["Pulling fs layer", "Downloading", "Download complete", "Extracting", "Pull complete"]),
      );
    }
    expect(lines).toContain(`Status: Downloaded newer image for ${ref}`);
    // Plain lines: no carriage returns or escape sequences, and no line repeated (no flood of percentages).
    expect(lines.join("\n")).not.toMatch(/[\r\x1b]/);
    expect(new Set(lines).size).toBe(lines.length);
  });

  it("draws a progress bar when printing to a terminal", async () => {
    const tag = "tty";
    expect(await present(tag)).toBe(false);
    let out = "";
    const name = names.next();
    const backend = testBackend(name, {
      image: registry.reference(tag),
      pull: "missing",
      onPullProgress: createProgressPrinter((chunk) => (out += chunk), true),
    });
    try {
      expect(text((await backend.exec(`cat ${registry.markerPath}`)).stdout.head)).toBe(registry.marker(tag));
    } finally {
      await backend.dispose();
    }
    // One bar line, redrawn in place, for the 1 MiB layer the registry serves.
    expect(out).toMatch(/\r\x1b\[2K\[[# ]{30}\] \d+% \d+\.\d\/1\.\d MB/);
    expect(out).toContain("] 100% ");
    // Every bar is redrawn or cleared before anything else is written, and none is left behind.
    expect(out).not.toMatch(/MB(?!\r\x1b\[2K)/);
    expect(out).toMatch(/[0-9a-f]{12}: Pull complete\n/);
    expect(out.endsWith(`Status: Downloaded newer image for ${registry.reference(tag)}\n`)).toBe(true);
  });

  /** Pulls `tag` beforehand, then runs the image through a backend with `policy`; returns what the backend logged. */
  async function runPrePulled(tag: string, policy: "missing" | "always"): Promise<string[]> {
    await prePull(tag);
    const lines: string[] = [];
    const { backend } = pullingBackend(tag, policy, lines);
    try {
      expect(text((await backend.exec(`cat ${registry.markerPath}`)).stdout.head)).toBe(registry.marker(tag));
    } finally {
      await backend.dispose();
    }
    return lines;
  }

  it("pull: missing with the image present makes no registry request", async () => {
    const lines = await runPrePulled("present", "missing");
    expect(registry.requests).toEqual([]);
    expect(lines).toEqual([]);
  });

  it("pull: always asks the registry again although the image is present", async () => {
    const tag = "always";
    const lines = await runPrePulled(tag, "always");
    expect(registry.manifestRequests(tag).length).toBeGreaterThan(0);
    expect(lines[0]).toBe(`Pulling ${registry.reference(tag)}`);
    expect(lines).toContain(`Status: Image is up to date for ${registry.reference(tag)}`);
  });

  it("pull: always keeps working with the local copy when the registry no longer has the tag", async () => {
    const tag = "offline";
    await prePull(tag);
    registry.removeTag(tag);
    const { backend } = pullingBackend(tag, "always");
    try {
      expect(text((await backend.exec(`cat ${registry.markerPath}`)).stdout.head)).toBe(registry.marker(tag));
    } finally {
      await backend.dispose();
    }
    expect(registry.manifestRequests(tag).length).toBeGreaterThan(0);
  });

  /** With a fresh request log, runs one command through a backend for `tag` and returns how it failed. */
  async function firstCommandFailure(tag: string, pull: PullPolicy): Promise<{ name: string; error: Error }> {
    registry.clearRequests();
    const { name, backend } = pullingBackend(tag, pull);
    try {
      return { name, error: await failure(backend.exec("true")) };
    } finally {
      await backend.dispose();
    }
  }

  it("pull: never with the image absent fails naming the image and the fix, without asking the registry", async () => {
    const ref = registry.reference("never");
    const { name, error } = await firstCommandFailure("never", "never");
    expect(isBackendError(error, "UNAVAILABLE")).toBe(true);
    expect(error.message).toBe(
      `Image not found: ${ref} is not present and terminal.docker.pull is "never". ` +
        `Run \`docker pull ${ref}\` or build your custom image (\`monoclaw image build -t ${ref}\` with docker/Dockerfile.monoclaw), then try again`,
    );
    expect(registry.requests).toEqual([]);
    expect(await containersNamed(name)).toEqual([]);
  });

  it("a tag the registry does not have gives the Image not found guidance, no stack trace, and no container", async () => {
    const tag = "unknown-tag";
    const ref = registry.reference(tag);
    const { name, error } = await firstCommandFailure(tag, "missing");
    expect(isBackendError(error, "UNAVAILABLE")).toBe(true);
    expect(error.message).toMatch(new RegExp(`^Image not found: ${escapeRegExp(ref)} is not present and pulling it failed \\(.*manifest unknown.*\\)\\. `));
    expect(error.message).toContain(`Run \`docker pull ${ref}\` or build your custom image`);
    expect(error.message).not.toMatch(/\n\s+at /);
    expect(error.message.split("\n")).toHaveLength(1);
    expect(registry.manifestRequests(tag).length).toBeGreaterThan(0);
    expect(await present(tag)).toBe(false);
    expect(await containersNamed(name)).toEqual([]);
  });
});

function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
