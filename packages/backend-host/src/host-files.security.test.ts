import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isBackendError } from "@monoclaw/core/backend";
import { readHostFile, writeHostFile } from "./host-files.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "monoclaw-host-files-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function refusal(attempt: Promise<unknown>): Promise<Error> {
  const error = await attempt.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isBackendError(error, "INVALID"), String(error)).toBe(true);
  return error as Error;
}

describe("host files refuse what is not a regular file", () => {
  it("never reads or writes a unix socket", async () => {
    const path = join(dir, "control.sock");
    const server: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect((await refusal(readHostFile(path))).message).toContain(`Cannot read ${path}: it is a socket`);
      expect((await refusal(writeHostFile(path, "x"))).message).toContain(`Cannot write ${path}: it is a socket`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await writeHostFile(join(dir, "plain"), "plain");
    expect(Buffer.from(await readHostFile(join(dir, "plain"))).toString()).toBe("plain");
  });

  it("never writes into a FIFO that has a reader (the reader gets nothing)", async () => {
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    const reader = spawn("sh", ["-c", `exec 3<'${fifo}'; sleep 0.5; cat <&3`]);
    let received = "";
    reader.stdout.on("data", (chunk: Buffer) => (received += chunk.toString()));
    // Let the reader open its end first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await refusal(writeHostFile(fifo, "secret payload"))).message).toContain("it is a FIFO (named pipe)");
    const opener = spawn("sh", ["-c", `exec 4>'${fifo}'; exec 4>&-`]);
    await new Promise((resolve) => opener.on("exit", resolve));
    await new Promise((resolve) => reader.on("exit", resolve));
    expect(received).toBe("");
  });

  it("reads a file growing past what stat said, up to the cap", async () => {
    const path = join(dir, "data.bin");
    await writeFile(path, Buffer.alloc(200_000, 7));
    expect((await readHostFile(path, { maxBytes: 200_000 })).length).toBe(200_000);
    const error = await readHostFile(path, { maxBytes: 199_999 }).catch((caught: unknown) => caught);
    expect(isBackendError(error, "EFBIG")).toBe(true);
  });
});
