import { describe, expect, it } from "vitest";
import { isBackendError, type BackendErrorCode } from "../backend/backend-error.js";
import type { ExecutionBackend } from "../backend/execution-backend.js";
import { capturedText } from "../backend/output-capture.js";

/** How long a refusal may take: it must come at once, never after waiting on a FIFO or reading a device to its end. */
const PROMPT_MS = 10_000;

/**
 * Conformance cases for file operations under abuse: devices, FIFOs and
 * sockets are refused (never read forever or waited on), procfs files are
 * read to their end although `stat` says 0 bytes, `maxBytes` caps a read,
 * an aborted signal is honoured, and a write through a dangling symbolic
 * link fails with a message naming the link. Each refusal is followed by a
 * regular read on the same backend (the positive control: nothing is stuck).
 * Called from `describeBackendConformance` with the suite's backend and
 * scratch directory.
 */
export function describeFileBoundsConformance(current: () => { backend: ExecutionBackend; scratch: string }): void {
  describe("file bounds", () => {
    const fixture = async (name: string, content = "regular content\n"): Promise<string> => {
      const { backend, scratch } = current();
      const path = `${scratch}/bounds/${name}`;
      await backend.writeFile(path, content);
      return path;
    };
    /** The positive control: a regular file still reads back, so the refusal left nothing stuck. */
    const expectRegularReadWorks = async (name: string): Promise<void> => {
      const path = await fixture(`${name}.txt`, `control for ${name}\n`);
      expect(Buffer.from(await current().backend.readFile(path)).toString()).toBe(`control for ${name}\n`);
    };
    const sh = async (command: string): Promise<string> => {
      const result = await current().backend.exec(command);
      expect(result.exitCode, capturedText(result.stderr)).toBe(0);
      return capturedText(result.stdout);
    };

    it("never reads /dev/zero: refused at once as a character device (no memory is filled)", async () => {
      const started = Date.now();
      await expectRefusal(current().backend.readFile("/dev/zero"), "INVALID", "/dev/zero", /character device/);
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
      await expectRegularReadWorks("after-dev-zero");
    });

    it("never writes to /dev/null or reads /dev/urandom: only regular files", async () => {
      await expectRefusal(current().backend.writeFile("/dev/null", "x"), "INVALID", "/dev/null", /character device/);
      await expectRefusal(current().backend.readFile("/dev/urandom", { maxBytes: 1024 }), "INVALID", "/dev/urandom", /character device/);
      const written = await fixture("written-instead.txt", "kept\n");
      expect(Buffer.from(await current().backend.readFile(written)).toString()).toBe("kept\n");
    });

    it("never waits on a FIFO nobody writes to: read and write are refused at once, and the backend still answers", async () => {
      const { scratch } = current();
      const fifo = `${scratch}/bounds/pipe-${Date.now()}`;
      await sh(`mkdir -p '${scratch}/bounds' && mkfifo '${fifo}' && [ -p '${fifo}' ] && echo made`);
      const started = Date.now();
      await expectRefusal(current().backend.readFile(fifo), "INVALID", fifo, /FIFO/);
      await expectRefusal(current().backend.writeFile(fifo, "into the pipe"), "INVALID", fifo, /FIFO/);
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
      // The FIFO is still a FIFO: the write did not replace it with a regular file.
      expect(await sh(`[ -p '${fifo}' ] && echo still-fifo`)).toBe("still-fifo\n");
      await expectRegularReadWorks("after-fifo");
    });

    it("reads a procfs file to its end although stat says it is empty", async () => {
      const { backend } = current();
      expect((await backend.stat("/proc/self/status")).size).toBe(0);
      const status = Buffer.from(await backend.readFile("/proc/self/status")).toString();
      expect(status).toMatch(/^Name:\t/m);
      expect(status).toMatch(/^Pid:\t\d+/m);
      const version = Buffer.from(await backend.readFile("/proc/version")).toString();
      expect(version).toMatch(/^Linux version /);
    });

    it("refuses with EFBIG a file holding more than maxBytes, and reads one holding exactly maxBytes", async () => {
      const { backend } = current();
      const path = await fixture("ten-bytes.txt", "0123456789");
      await expectRefusal(backend.readFile(path, { maxBytes: 9 }), "EFBIG", path, /more than 9 bytes/);
      expect(Buffer.from(await backend.readFile(path, { maxBytes: 10 })).toString()).toBe("0123456789");
      // procfs: the cap is what stops the read, not stat's size.
      await expectRefusal(backend.readFile("/proc/self/status", { maxBytes: 16 }), "EFBIG", "/proc/self/status", /more than 16 bytes/);
    });

    it("honours an aborted signal: read and write reject, the file is unchanged", async () => {
      const { backend } = current();
      const path = await fixture("abort.txt", "before\n");
      const controller = new AbortController();
      controller.abort();
      await expect(backend.readFile(path, { signal: controller.signal })).rejects.toThrow(/abort/i);
      await expect(backend.writeFile(path, "after\n", { signal: controller.signal })).rejects.toThrow(/abort/i);
      expect(Buffer.from(await backend.readFile(path)).toString()).toBe("before\n");
    });

    it("fails a write through a dangling symbolic link with ENOENT naming the link, and writes through a link whose target's directory exists", async () => {
      const { backend, scratch } = current();
      const dangling = `${scratch}/bounds/dangling-link`;
      const present = `${scratch}/bounds/present-link`;
      await sh(
        `mkdir -p '${scratch}/bounds' && ln -sf '${scratch}/bounds/no-such-dir/target' '${dangling}' && ln -sf '${scratch}/bounds/link-target.txt' '${present}' && echo linked`,
      );
      await expectRefusal(backend.writeFile(dangling, "lost"), "ENOENT", dangling, /symbolic link/);
      expect(await sh(`[ -L '${dangling}' ] && [ ! -e '${scratch}/bounds/no-such-dir' ] && echo unchanged`)).toBe("unchanged\n");
      await backend.writeFile(present, "through the link\n");
      expect(await sh(`cat '${scratch}/bounds/link-target.txt'`)).toBe("through the link\n");
    });
  });
}

/** Expects a BackendError of `code` whose message names `path` and matches `says`. */
async function expectRefusal(attempt: Promise<unknown>, code: BackendErrorCode, path: string, says: RegExp): Promise<void> {
  const error = await attempt.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, `expected ${code} for ${path}`).toBeInstanceOf(Error);
  expect(isBackendError(error, code), `${(error as Error).name}: ${(error as Error).message}`).toBe(true);
  expect((error as Error).message).toContain(path);
  expect((error as Error).message).toMatch(says);
}
