import { execFileSync } from "node:child_process";
import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostWorkspace } from "../agent/agent.test-helpers.js";
import type { ExecutionBackend } from "../backend/execution-backend.js";
import { ToolError } from "./agent-tool.js";
import { createEditTool } from "./edit-tool.js";
import { withFileDeadline } from "./file-deadline.js";
import { createReadTool } from "./read-tool.js";
import { runTool } from "./tools.test-helpers.js";
import { createWriteTool } from "./write-tool.js";

let workspace: Awaited<ReturnType<typeof hostWorkspace>>;
beforeEach(async () => {
  workspace = await hostWorkspace();
});
afterEach(async () => {
  await workspace.cleanup();
});

const read = createReadTool();
const edit = createEditTool();
const write = createWriteTool();

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** The real host backend whose reads never come back, as on a hung network file system. */
function stuckReads(backend: ExecutionBackend): ExecutionBackend {
  return { ...backend, readFile: () => new Promise<Uint8Array>(() => undefined), stat: backend.stat.bind(backend) };
}

describe("file tools under abuse (host backend)", () => {
  it("never reads /dev/zero: the read tool answers at once that it is a device, and memory does not grow", async () => {
    const before = process.memoryUsage().rss;
    const started = Date.now();
    const error = await failure(runTool(read, { path: "/dev/zero" }, workspace.backend));
    expect(error.message).toMatch(/Cannot read \/dev\/zero: it is a character device, not a regular file/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * 1024 * 1024);
    await writeFile(join(workspace.dir, "plain.txt"), "plain\n");
    expect((await runTool(read, { path: "plain.txt" }, workspace.backend)).output).toBe("     1\tplain");
  });

  it("never reads /dev/zero through a symbolic link in the workspace", async () => {
    await symlink("/dev/zero", join(workspace.dir, "innocent.txt"));
    const error = await failure(runTool(read, { path: "innocent.txt" }, workspace.backend));
    expect(error.message).toMatch(/innocent\.txt: it is a character device/);
  });

  it("never hangs on a FIFO: read, edit and write are refused at once and the FIFO stays a FIFO", async () => {
    const fifo = join(workspace.dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    // One at a time: a refusal that settles while an earlier one is awaited would be an unhandled rejection.
    for (const attempt of [
      () => runTool(read, { path: "pipe" }, workspace.backend),
      () => runTool(edit, { path: "pipe", old_string: "a", new_string: "b" }, workspace.backend),
      () => runTool(write, { path: "pipe", content: "into the pipe" }, workspace.backend),
    ]) {
      expect((await failure(attempt())).message).toMatch(/it is a FIFO \(named pipe\), not a regular file/);
    }
    expect(execFileSync("sh", ["-c", `[ -p '${fifo}' ] && echo fifo`]).toString()).toBe("fifo\n");
  });

  it("reads /proc/self/status to its end although stat says 0 bytes", async () => {
    const result = await runTool(read, { path: "/proc/self/status" }, workspace.backend);
    expect(result.output).toMatch(/^\s+1\tName:\t/);
    expect(result.output).toMatch(/\tPid:\t\d+/);
  });

  it("ends a read the backend never answers when the turn is aborted (Ctrl-C, @mom stop), within a second", async () => {
    await writeFile(join(workspace.dir, "stuck.txt"), "never read\n");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await failure(runTool(read, { path: "stuck.txt" }, stuckReads(workspace.backend), { signal: controller.signal }));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toBe("Reading stuck.txt was stopped: the turn was aborted.");
    expect(Date.now() - started).toBeLessThan(1000);
    // Positive control: the same file through the real backend.
    expect((await runTool(read, { path: "stuck.txt" }, workspace.backend)).output).toBe("     1\tnever read");
  });

  it("ends file work that outlives its timeout with a message saying so, and passes the signal on", async () => {
    let seen: AbortSignal | undefined;
    const error = await failure(
      withFileDeadline(
        "Reading slow.txt",
        new AbortController().signal,
        (signal) => {
          seen = signal;
          return new Promise(() => undefined);
        },
        50,
      ),
    );
    expect(error.message).toMatch(/^Reading slow.txt did not finish within 0.05 s and was stopped/);
    expect(seen?.aborted).toBe(true);
    expect(await withFileDeadline("Reading fast.txt", new AbortController().signal, async () => "done", 50)).toBe("done");
  });

  it("fails a write through a dangling symbolic link with a message naming the link and its target, not a stack trace", async () => {
    await symlink(join(workspace.dir, "gone", "target.txt"), join(workspace.dir, "dangling"));
    const error = await failure(runTool(write, { path: "dangling", content: "x" }, workspace.backend));
    expect(error.message).toBe(
      `Cannot write ${join(workspace.dir, "dangling")}: it is a symbolic link to ${join(workspace.dir, "gone", "target.txt")}, whose directory ${join(workspace.dir, "gone")} does not exist; create that directory, or remove the link (rm '${join(workspace.dir, "dangling")}') to write a plain file`,
    );
    await symlink(join(workspace.dir, "target.txt"), join(workspace.dir, "present"));
    await runTool(write, { path: "present", content: "through\n" }, workspace.backend);
    expect(await readFile(join(workspace.dir, "target.txt"), "utf8")).toBe("through\n");
  });
});
