import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { capturedText, createOutputCapture } from "./output-capture.js";
import { processSpillDirectory, spillUsage, sweepStaleSpillDirectories } from "./spill-directory.js";

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), "monoclaw-spill-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CORE_DIST = fileURLToPath(new URL("../../dist/backend/index.js", import.meta.url));

/** Start ticks of a process, as the spill directory names it. */
function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
}

describe("spill files are capped", () => {
  it("stops the spill file at maxSpillBytes and counts the rest, keeping the real tail", () => {
    const spillDirectory = join(dir, "capped");
    const capture = createOutputCapture({ maxBytes: 64 * 1024, maxSpillBytes: 1 * MiB, spillDirectory });
    const block = new Uint8Array(64 * 1024).fill(0x61);
    for (let i = 0; i < 159; i++) capture.write(block);
    capture.write(new TextEncoder().encode("\nTHE END\n"));
    const output = capture.finish();
    expect(output.totalBytes).toBe(159 * 64 * 1024 + 9);
    expect(output.spillCappedAt).toBe(1 * MiB);
    expect(statSync(output.spillPath!).size).toBe(1 * MiB);
    expect(new TextDecoder().decode(output.tail)).toMatch(/THE END\n$/);
    expect(capturedText(output)).toContain(`the first ${MiB} bytes are in ${output.spillPath} (the spill file's cap)`);
  });

  it("keeps every byte below the cap (positive control): no spillCappedAt", () => {
    const capture = createOutputCapture({ maxBytes: 1024, maxSpillBytes: 1 * MiB, spillDirectory: join(dir, "under") });
    capture.write(new Uint8Array(100_000).fill(0x62));
    const output = capture.finish();
    expect(output.spillCappedAt).toBeUndefined();
    expect(statSync(output.spillPath!).size).toBe(100_000);
  });

  it("writes no spill file at all with maxSpillBytes 0 (callers that stream the output elsewhere)", () => {
    const spillDirectory = join(dir, "none");
    const capture = createOutputCapture({ maxBytes: 1024, maxSpillBytes: 0, spillDirectory });
    capture.write(new Uint8Array(10_000).fill(0x63));
    const output = capture.finish();
    expect(output).toMatchObject({ truncated: true, totalBytes: 10_000 });
    expect(output.spillPath).toBeUndefined();
    expect(existsSync(spillDirectory) ? readdirSync(spillDirectory) : []).toEqual([]);
  });
});

describe("spill files belong to a process", () => {
  it("puts this process's spill files under <tmp>/monoclaw-output/<pid>-<start>", () => {
    expect(processSpillDirectory()).toBe(join(tmpdir(), "monoclaw-output", `${process.pid}-${startTicks(process.pid)}`));
  });

  it("removes at start what a process killed with SIGKILL left behind, and keeps a live process's files", async () => {
    const tmp = mkdtempSync(join(dir, "tmp-"));
    const root = join(tmp, "monoclaw-output");
    // A real process spills 3 MB through the built capture, says where, and waits to be killed.
    const script = `
      const { createOutputCapture } = await import(${JSON.stringify(CORE_DIST)});
      const capture = createOutputCapture({ maxBytes: 1024 });
      capture.write(new Uint8Array(3 * 1024 * 1024).fill(120));
      const output = capture.finish();
      console.log(output.spillPath);
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const spillPath = await new Promise<string>((resolve) => child.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim())));
    expect(spillPath.startsWith(join(root, `${child.pid}-${startTicks(child.pid!)}`))).toBe(true);
    expect(statSync(spillPath).size).toBe(3 * 1024 * 1024);

    // While it runs, a sweep keeps its files (and doctor counts them as live).
    expect(sweepStaleSpillDirectories(root)).toBe(0);
    expect(existsSync(spillPath)).toBe(true);
    expect(spillUsage(root)).toMatchObject({ bytes: 3 * 1024 * 1024, staleBytes: 0, liveOwners: [`${child.pid}-${startTicks(child.pid!)}`] });

    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(existsSync(spillPath)).toBe(true);
    expect(spillUsage(root)).toMatchObject({ bytes: 3 * 1024 * 1024, staleBytes: 3 * 1024 * 1024, liveOwners: [] });
    expect(sweepStaleSpillDirectories(root)).toBe(3 * 1024 * 1024);
    expect(existsSync(spillPath)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });

  it("treats a directory whose pid was reused by another process as stale (start time differs)", () => {
    const root = join(dir, "reused", "monoclaw-output");
    const reused = join(root, `${process.pid}-1`);
    const mine = join(root, `${process.pid}-${startTicks(process.pid)}`);
    for (const path of [reused, mine]) {
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, "stdout.log"), "x".repeat(10));
    }
    expect(sweepStaleSpillDirectories(root)).toBe(10);
    expect(existsSync(reused)).toBe(false);
    expect(existsSync(join(mine, "stdout.log"))).toBe(true);
  });
});
