import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ExecutionBackend } from "../backend/execution-backend.js";
import { createRealHostBackend } from "../agent/real-backends.test-helpers.js";
import { gatherPromptContext } from "./prompt-context.js";
import { buildSystemPrompt } from "./system-prompt.js";

let dir: string;
let backend: ExecutionBackend;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "monoclaw-prompt-test-"));
  backend = await createRealHostBackend({ cwd: dir });
});
afterEach(async () => {
  await backend.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("system prompt", () => {
  it("says where commands run (host backend, OS, workdir) and today's date", async () => {
    const context = await gatherPromptContext({ backend, now: new Date(2026, 10, 23, 12) });
    const prompt = buildSystemPrompt(context);
    expect(prompt).toContain("You are Mona");
    expect(prompt).toContain("Commands and file tools run on the host backend");
    expect(prompt).toMatch(/Operating system: Linux \S+ \(\w+\)\./);
    expect(prompt).toContain(`Working directory: ${dir} `);
    expect(prompt).toContain("Today's date: 2026-11-23.");
    expect(prompt).not.toContain("Project instructions");
  });

  it("includes AGENTS.md from the working directory", async () => {
    await writeFile(join(dir, "AGENTS.md"), "# Rules\nAlways run `make test` before finishing.\n");
    const prompt = buildSystemPrompt(await gatherPromptContext({ backend }));
    expect(prompt).toContain(`# Project instructions (${dir}/AGENTS.md)\n# Rules\nAlways run \`make test\` before finishing.`);
  });

  it("falls back to the host directory's AGENTS.md when the backend's workspace has none", async () => {
    const hostCwd = await mkdtemp(join(tmpdir(), "monoclaw-prompt-host-"));
    await writeFile(join(hostCwd, "AGENTS.md"), "Use pnpm.");
    const prompt = buildSystemPrompt(await gatherPromptContext({ backend, hostCwd }));
    expect(prompt).toContain(`# Project instructions (${hostCwd}/AGENTS.md)\nUse pnpm.`);
    await rm(hostCwd, { recursive: true, force: true });
  });

  it("describes a container with its mounts and says paths are the container's", () => {
    const prompt = buildSystemPrompt({
      backend: "docker",
      summary: "container monoclaw-1 running",
      os: "container image ubuntu:24.04",
      workdir: "/projects",
      mounts: [
        { source: "/home/u/projects", target: "/projects", readOnly: false },
        { source: "/home/u/.ssh", target: "/root/.ssh", readOnly: true },
      ],
      date: "2026-11-23",
      identity: "You are mom, a Slack bot.",
      extra: "Format answers for Slack.",
    });
    expect(prompt.startsWith("You are mom, a Slack bot.")).toBe(true);
    expect(prompt).toContain("  - /projects (host /home/u/projects, read-write)\n  - /root/.ssh (host /home/u/.ssh, read-only)");
    expect(prompt).toContain("files outside the mounted folders exist only there");
    expect(prompt.endsWith("Format answers for Slack.")).toBe(true);
  });
});
