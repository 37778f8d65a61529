import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBackendError, type BackendErrorCode } from "../backend/backend-error.js";
import { EXIT_CODE_ABORTED, EXIT_CODE_TIMEOUT, type CapturedOutput, type ExecOptions, type ExecResult } from "../backend/exec-types.js";
import type { ExecutionBackend } from "../backend/execution-backend.js";
import { capturedBytes, capturedText } from "../backend/output-capture.js";
import { processTreeCommand, processesWithArgument, survivingProcesses, uniqueSleepSeconds } from "./process-probe.js";

export interface BackendConformanceOptions {
  /** Creates the backend under test; called once for the whole suite and disposed at the end. */
  createBackend(): ExecutionBackend | Promise<ExecutionBackend>;
  /**
   * Peak growth of this process's RSS allowed while 200 MB of output stream
   * through `exec` (a backend that kept the output would grow by 200 MB or
   * more). Default 150 MiB.
   */
  maxMemoryGrowthBytes?: number;
}

const MiB = 1024 * 1024;
const text = (output: CapturedOutput): string => capturedText(output);
const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

/**
 * The conformance suite every execution backend runs against itself
 * (vitest). It talks to the backend only through the contract: processes are
 * listed with a command run through `backend.exec` (`/proc/<pid>/cmdline`),
 * so the same tests prove "no process survives" on the host and inside a
 * container. Every command is POSIX sh that busybox runs (no bash-isms), and
 * no test depends on timing beyond generous timeouts.
 *
 * Usage: `describeBackendConformance("docker", { createBackend: () => createDockerBackend(...) })`
 * in a `*.test.ts` file. Needs `grep`, `mktemp`, `setsid`, `sleep`, `cat`,
 * `head`, `yes` and `wc` where commands run.
 */
export function describeBackendConformance(name: string, options: BackendConformanceOptions): void {
  describe(`backend conformance: ${name}`, () => {
    let backend: ExecutionBackend;
    let scratch: string;
    const exec: RunCommand = (command, runOptions) => backend.exec(command, runOptions);

    beforeAll(async () => {
      backend = await options.createBackend();
      const made = await backend.exec("mktemp -d /tmp/monoclaw-conformance.XXXXXX");
      expect(made.exitCode, text(made.stderr)).toBe(0);
      scratch = text(made.stdout).trim();
    });

    afterAll(async () => {
      if (backend === undefined) return;
      if (scratch) await backend.exec(`rm -rf '${scratch}'`);
      await backend.dispose();
    });

    describe("exec", () => {
      it("reports exit codes 0, 1 and 42", async () => {
        const codes = await Promise.all(["true", "false", "exit 42"].map(async (command) => (await backend.exec(command)).exitCode));
        expect(codes).toEqual([0, 1, 42]);
      });

      it("keeps stdout and stderr apart", async () => {
        const result = await backend.exec("echo out; echo err >&2; echo out2");
        expect(text(result.stdout)).toBe("out\nout2\n");
        expect(text(result.stderr)).toBe("err\n");
        expect(result.timedOut).toBe(false);
        expect(result.aborted).toBe(false);
        expect(result.signal).toBeNull();
        expect(result.durationMs).toBeGreaterThanOrEqual(0);
      });

      it("keeps output without a trailing newline", async () => {
        const result = await backend.exec("printf 'no newline'; printf 'err too' >&2");
        expect(text(result.stdout)).toBe("no newline");
        expect(text(result.stderr)).toBe("err too");
      });

      it("returns binary output byte for byte", async () => {
        const all = new Uint8Array(256 * 4).map((_, i) => i % 256);
        await backend.writeFile(`${scratch}/binary.bin`, all);
        const result = await backend.exec(`cat '${scratch}/binary.bin'`);
        expect(Buffer.from(capturedBytes(result.stdout)).equals(Buffer.from(all))).toBe(true);
      });

      it("passes unicode through", async () => {
        const result = await backend.exec("printf '%s\\n' 'héllo wörld 世界 🎉'");
        expect(text(result.stdout)).toBe("héllo wörld 世界 🎉\n");
      });

      it("streams the first bytes while the command still runs", async () => {
        const gate = `${scratch}/stream-gate`;
        const gated = runUntilGate(exec, gate);
        await gated.sawFirst;
        const chunks = gated.stdoutChunks;
        expect(chunks.join("")).toContain("first");
        expect(gated.settled()).toBe(false);
        await backend.writeFile(gate, "");
        const result = await gated.running;
        expect(result.exitCode).toBe(0);
        expect(text(result.stdout)).toBe("first\nsecond\n");
        expect(chunks.join("")).toBe("first\nsecond\n");
      });

      it("returns when the command exits even if a background job keeps its output open", async () => {
        const gate = `${scratch}/background-gate`;
        const result = await backend.exec(`(while [ ! -f '${gate}' ]; do sleep 0.1; done; echo late) & echo now`, { timeoutMs: 110_000 });
        expect(result.exitCode).toBe(0);
        expect(result.timedOut).toBe(false);
        expect(text(result.stdout)).toBe("now\n");
        await backend.writeFile(gate, "");
      });

      it("on timeout reports 124 and leaves no process behind (background, setsid, nohup-style, double fork)", async () => {
        const { n, result } = await timeOutProcessTree(exec);
        expect(result.timedOut).toBe(true);
        expect(result.aborted).toBe(false);
        expect(result.exitCode).toBe(EXIT_CODE_TIMEOUT);
        expect(await survivingProcesses(backend, n)).toEqual([]);
      });

      it("on abort reports 130 and leaves no process behind", async () => {
        const { n, result } = await abortProcessTree(backend, exec);
        expect(result.aborted).toBe(true);
        expect(result.timedOut).toBe(false);
        expect(result.exitCode).toBe(EXIT_CODE_ABORTED);
        expect(await survivingProcesses(backend, n)).toEqual([]);
      });

      it("reports an abort that happened before the call as aborted", async () => {
        const controller = new AbortController();
        controller.abort();
        const result = await backend.exec("echo should-not-matter", { signal: controller.signal });
        expect(result.aborted).toBe(true);
        expect(result.exitCode).toBe(EXIT_CODE_ABORTED);
      });

      it("applies stdin (text and bytes); without it stdin is empty", async () => {
        const fromText = await backend.exec("cat", { stdin: "line one\nline two" });
        expect(text(fromText.stdout)).toBe("line one\nline two");
        const bytes = new Uint8Array([0, 1, 2, 255, 10]);
        const fromBytes = await backend.exec("cat", { stdin: bytes });
        expect(Buffer.from(capturedBytes(fromBytes.stdout)).equals(Buffer.from(bytes))).toBe(true);
        const none = await backend.exec("cat; echo end");
        expect(text(none.stdout)).toBe("end\n");
      });

      it("applies cwd and env", async () => {
        const result = await backend.exec('pwd; printf "%s|%s\\n" "$CONFORMANCE_A" "$CONFORMANCE_B"', {
          cwd: scratch,
          env: { CONFORMANCE_A: "a value with spaces", CONFORMANCE_B: "it's $HOME" },
        });
        expect(text(result.stdout)).toBe(`${scratch}\na value with spaces|it's $HOME\n`);
      });

      it("rejects a missing cwd with CWD_NOT_FOUND naming the directory", async () => {
        const missing = `${scratch}/does-not-exist`;
        await expectBackendError(backend.exec("true", { cwd: missing }), "CWD_NOT_FOUND", missing);
      });

      it("runs 20 commands concurrently, each with its own result", async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => backend.exec(`echo out-${i}; echo err-${i} >&2; exit ${i}`)),
        );
        results.forEach((result, i) => {
          expect(result.exitCode).toBe(i);
          expect(text(result.stdout)).toBe(`out-${i}\n`);
          expect(text(result.stderr)).toBe(`err-${i}\n`);
        });
      });

      it("caps output in memory: head and tail kept, the whole stream in the spill file", async () => {
        const result = await backend.exec("i=0; while [ $i -lt 400 ]; do echo \"line $i\"; i=$((i+1)); done", { maxOutputBytes: 1000 });
        const full = Array.from({ length: 400 }, (_, i) => `line ${i}\n`).join("");
        expect(result.stdout.truncated).toBe(true);
        expect(result.stdout.totalBytes).toBe(full.length);
        expect(Buffer.from(result.stdout.head).toString()).toBe(full.slice(0, 500));
        expect(Buffer.from(result.stdout.tail).toString()).toBe(full.slice(-500));
        expect(result.stdout.spillPath).toBeDefined();
        try {
          expect(await hashFile(result.stdout.spillPath!)).toBe(sha256(Buffer.from(full)));
          expect(text(result.stdout)).toContain(result.stdout.spillPath!);
        } finally {
          await rm(result.stdout.spillPath!, { force: true });
        }
        expect(result.stderr.truncated).toBe(false);
      });

      it("streams 200 MB of output with bounded memory; head, tail and spill file are exact", async () => {
        const size = 200 * MiB;
        const line = "0123456789abcdef\n";
        const before = process.memoryUsage.rss();
        let peak = before;
        let streamed = 0;
        const result = await backend.exec(`yes 0123456789abcdef | head -c ${size}`, {
          timeoutMs: 110_000,
          onOutput: (_stream, chunk) => {
            streamed += chunk.length;
            peak = Math.max(peak, process.memoryUsage.rss());
          },
        });
        const spill = result.stdout.spillPath;
        try {
          expect(result.exitCode).toBe(0);
          expect(streamed).toBe(size);
          expect(result.stdout.totalBytes).toBe(size);
          expect(result.stdout.truncated).toBe(true);
          const expected = (offset: number, length: number): string => {
            let out = "";
            for (let i = offset; i < offset + length; i++) out += line[i % line.length];
            return out;
          };
          const headLength = result.stdout.head.length;
          const tailLength = result.stdout.tail.length;
          expect(headLength + tailLength).toBeLessThanOrEqual(1024 * 1024);
          expect(headLength).toBeGreaterThan(0);
          expect(Buffer.from(result.stdout.head).toString()).toBe(expected(0, headLength));
          expect(Buffer.from(result.stdout.tail).toString()).toBe(expected(size - tailLength, tailLength));
          expect(spill).toBeDefined();
          expect(await hashFile(spill!)).toBe(await hashOfPattern(line, size));
          expect(peak - before).toBeLessThan(options.maxMemoryGrowthBytes ?? 150 * MiB);
        } finally {
          if (spill !== undefined) await rm(spill, { force: true });
        }
      });
    });

    describe("files", () => {
      for (const [label, size] of [
        ["0 B", 0],
        ["1 MB", 1 * MiB],
        ["100 MB", 100 * MiB],
      ] as const) {
        it(`round-trips ${label} byte for byte`, async () => {
          const data = randomBytes(size);
          const path = `${scratch}/round-trip/${size}.bin`;
          await backend.writeFile(path, data);
          const back = await backend.readFile(path);
          expect(back.length).toBe(size);
          expect(sha256(back)).toBe(sha256(data));
          const counted = await backend.exec(`wc -c < '${path}'`);
          expect(Number(text(counted.stdout).trim())).toBe(size);
          const info = await backend.stat(path);
          expect(info.kind).toBe("file");
          expect(info.size).toBe(size);
          await backend.exec(`rm -f '${path}'`);
        });
      }

      it("writes text, creates parent directories, lists and stats", async () => {
        await backend.writeFile(`${scratch}/deep/er/note.txt`, "hello\n");
        expect(Buffer.from(await backend.readFile(`${scratch}/deep/er/note.txt`)).toString()).toBe("hello\n");
        const entries = await backend.listDirectory(`${scratch}/deep`);
        expect(entries).toContainEqual({ name: "er", kind: "directory" });
        const info = await backend.stat(`${scratch}/deep/er`);
        expect(info.kind).toBe("directory");
        const shown = await backend.exec(`cat '${scratch}/deep/er/note.txt'`);
        expect(text(shown.stdout)).toBe("hello\n");
      });

      it("overwrites in place: the file keeps its mode and the old bytes are gone", async () => {
        const path = `${scratch}/modes/run.sh`;
        await backend.writeFile(path, "#!/bin/sh\necho a long first version\n");
        await backend.exec(`chmod 750 '${path}'`);
        await backend.writeFile(path, "#!/bin/sh\necho v2\n");
        expect((await backend.stat(path)).mode & 0o777).toBe(0o750);
        expect(text((await backend.exec(`'${path}'`)).stdout)).toBe("v2\n");
      });

      it("handles unicode file names", async () => {
        const name = "données 日本語 🎉.txt";
        await backend.writeFile(`${scratch}/unicode/${name}`, "ü");
        expect(await backend.listDirectory(`${scratch}/unicode`)).toEqual([{ name, kind: "file" }]);
        expect(Buffer.from(await backend.readFile(`${scratch}/unicode/${name}`)).toString()).toBe("ü");
        // A shell glob, not ls: busybox ls prints non-ASCII bytes as '?'.
        const listed = await backend.exec(`for f in '${scratch}/unicode'/*; do printf '%s\\n' "\${f##*/}"; done`);
        expect(text(listed.stdout)).toBe(`${name}\n`);
      });

      it("rejects a missing file with ENOENT naming the path", async () => {
        const missing = `${scratch}/missing/file.txt`;
        for (const attempt of [() => backend.readFile(missing), () => backend.stat(missing), () => backend.listDirectory(missing)]) {
          await expectBackendError(attempt(), "ENOENT", missing);
        }
      });
    });

    describe("shell sessions", () => {
      it("carries cd and export from one command to the next", async () => {
        const session = await backend.openSession({ cwd: scratch });
        try {
          await backend.exec(`mkdir -p '${scratch}/sub'`);
          const first = await session.exec("cd sub && export CONFORMANCE_KEPT=yes && KEPT_VAR=shell-var");
          expect(first.exitCode).toBe(0);
          const second = await session.exec('pwd; echo "$CONFORMANCE_KEPT $KEPT_VAR"; sh -c \'echo "child sees $CONFORMANCE_KEPT"\'');
          expect(text(second.stdout)).toBe(`${scratch}/sub\nyes shell-var\nchild sees yes\n`);
          expect(second.sessionReset).toBeFalsy();
        } finally {
          await session.close();
        }
      });

      it("keeps stdout and stderr apart, exit codes and output without a trailing newline", async () => {
        const session = await backend.openSession();
        try {
          const result = await session.exec("echo out; echo err >&2; printf tail; printf errtail >&2; (exit 42)");
          expect(result.exitCode).toBe(42);
          expect(text(result.stdout)).toBe("out\ntail");
          expect(text(result.stderr)).toBe("err\nerrtail");
          expect((await session.exec("false")).exitCode).toBe(1);
          await backend.writeFile(`${scratch}/session-binary.bin`, new Uint8Array(1024).map((_, i) => i % 256));
          const bytes = await session.exec(`cat '${scratch}/session-binary.bin'`);
          expect(bytes.stdout.totalBytes).toBe(1024);
          expect(capturedBytes(bytes.stdout)[255]).toBe(255);
        } finally {
          await session.close();
        }
      });

      it("applies cwd, env and stdin options to one command only", async () => {
        const session = await backend.openSession({ cwd: scratch });
        try {
          const once = await session.exec('pwd; echo "[$CONFORMANCE_ONCE]"; cat', {
            cwd: "/",
            env: { CONFORMANCE_ONCE: "x'y" },
            stdin: "from stdin",
          });
          expect(text(once.stdout)).toBe("/\n[x'y]\nfrom stdin");
          const after = await session.exec('pwd; echo "[$CONFORMANCE_ONCE]"; cat; echo end');
          expect(text(after.stdout)).toBe(`${scratch}\n[]\nend\n`);
        } finally {
          await session.close();
        }
      });

      it("survives a syntax error with its state", async () => {
        const session = await backend.openSession({ cwd: scratch });
        try {
          await session.exec("cd /");
          const broken = await session.exec("if then fi (");
          expect(broken.exitCode).not.toBe(0);
          expect(broken.sessionReset).toBeFalsy();
          const quoted = await session.exec("echo 'unbalanced \"quote'; echo \"$(echo nested)\"");
          expect(text(quoted.stdout)).toBe('unbalanced "quote\nnested\n');
          expect(text((await session.exec("pwd")).stdout)).toBe("/\n");
        } finally {
          await session.close();
        }
      });

      it("re-opens the shell after exit, reporting sessionReset", async () => {
        const session = await backend.openSession({ cwd: scratch });
        try {
          await session.exec("cd / && export CONFORMANCE_GONE=1");
          const exited = await session.exec("echo bye; exit 3");
          expect(exited.exitCode).toBe(3);
          expect(exited.sessionReset).toBe(true);
          expect(text(exited.stdout)).toBe("bye\n");
          const next = await session.exec('pwd; echo "[$CONFORMANCE_GONE]"');
          expect(text(next.stdout)).toBe(`${scratch}\n[]\n`);
          expect(next.sessionReset).toBeFalsy();
        } finally {
          await session.close();
        }
      });

      it("re-opens the shell after exec, reporting sessionReset", async () => {
        const session = await backend.openSession({ cwd: scratch });
        try {
          const replaced = await session.exec("exec sh -c 'echo replaced; exit 5'");
          expect(replaced.exitCode).toBe(5);
          expect(replaced.sessionReset).toBe(true);
          expect(text(replaced.stdout)).toBe("replaced\n");
          expect(text((await session.exec("echo alive")).stdout)).toBe("alive\n");
        } finally {
          await session.close();
        }
      });

      it("on timeout ends the command's processes and stays usable", async () => {
        const session = await backend.openSession({ cwd: scratch });
        try {
          await session.exec("cd /");
          const { n, result } = await timeOutProcessTree((command, runOptions) => session.exec(command, runOptions));
          expect(result.timedOut).toBe(true);
          expect(result.exitCode).toBe(EXIT_CODE_TIMEOUT);
          expect(await survivingProcesses(backend, n)).toEqual([]);
          const after = await session.exec("pwd; echo ok");
          expect(after.exitCode).toBe(0);
          expect(text(after.stdout)).toBe(`${result.sessionReset ? scratch : "/"}\nok\n`);
        } finally {
          await session.close();
        }
      });

      it("on timeout of a builtin loop (the shell itself busy) stays usable", async () => {
        const session = await backend.openSession();
        try {
          const result = await session.exec("while :; do :; done", { timeoutMs: 1000 });
          expect(result.timedOut).toBe(true);
          expect(result.exitCode).toBe(EXIT_CODE_TIMEOUT);
          expect(text((await session.exec("echo ok")).stdout)).toBe("ok\n");
        } finally {
          await session.close();
        }
      });

      it("on abort ends the command's processes and stays usable", async () => {
        const session = await backend.openSession();
        try {
          const { n, result } = await abortProcessTree(backend, (command, runOptions) => session.exec(command, runOptions));
          expect(result.aborted).toBe(true);
          expect(result.exitCode).toBe(EXIT_CODE_ABORTED);
          expect(await survivingProcesses(backend, n)).toEqual([]);
          expect(text((await session.exec("echo ok")).stdout)).toBe("ok\n");
        } finally {
          await session.close();
        }
      });

      it("runs queued commands one at a time, in order", async () => {
        const session = await backend.openSession();
        try {
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) => session.exec(`CONFORMANCE_LAST=\${CONFORMANCE_LAST:-}${i},; echo "$CONFORMANCE_LAST"`)),
          );
          const expected = (i: number): string => Array.from({ length: i + 1 }, (_, j) => `${j},`).join("");
          results.forEach((result, i) => expect(text(result.stdout)).toBe(`${expected(i)}\n`));
        } finally {
          await session.close();
        }
      });

      it("streams output while the command runs", async () => {
        const session = await backend.openSession();
        const gate = `${scratch}/session-gate`;
        try {
          const gated = runUntilGate((command, runOptions) => session.exec(command, runOptions), gate);
          await gated.sawFirst;
          expect(gated.settled()).toBe(false);
          await backend.writeFile(gate, "");
          expect(text((await gated.running).stdout)).toBe("first\nsecond\n");
        } finally {
          await session.close();
        }
      });

      it("rejects a missing cwd with CWD_NOT_FOUND and stays usable", async () => {
        const session = await backend.openSession();
        try {
          const missing = `${scratch}/no-such-dir`;
          await expectBackendError(session.exec("true", { cwd: missing }), "CWD_NOT_FOUND", missing);
          expect(text((await session.exec("echo ok")).stdout)).toBe("ok\n");
        } finally {
          await session.close();
        }
      });

      it("close ends background jobs started in the session", async () => {
        const session = await backend.openSession();
        const n = uniqueSleepSeconds();
        const started = await session.exec(`sleep ${n} >/dev/null 2>&1 & echo started`);
        expect(text(started.stdout)).toBe("started\n");
        await waitFor(async () => (await processesWithArgument(backend, n)).length >= 1);
        await session.close();
        expect(await survivingProcesses(backend, n)).toEqual([]);
      });
    });
  });
}

/**
 * How a test runs one command: `backend.exec` or a shell session's `exec`.
 * The tests that hold for both take one, so each check is written once.
 */
type RunCommand = (command: string, options?: ExecOptions) => Promise<ExecResult>;

/**
 * Runs `processTreeCommand(n)` with a 1.5 s timeout and returns its result and
 * `n` (to look for survivors).
 */
async function timeOutProcessTree(run: RunCommand): Promise<{ n: number; result: ExecResult }> {
  const n = uniqueSleepSeconds();
  return { n, result: await run(processTreeCommand(n), { timeoutMs: 1500 }) };
}

/**
 * Starts `processTreeCommand(n)` with an abort signal, waits until it printed
 * "started" and all five background sleeps are there, aborts, and returns the
 * result and `n` (to look for survivors).
 */
async function abortProcessTree(backend: ExecutionBackend, run: RunCommand): Promise<{ n: number; result: ExecResult }> {
  const n = uniqueSleepSeconds();
  const controller = new AbortController();
  let started!: () => void;
  const sawStart = new Promise<void>((resolve) => (started = resolve));
  const running = run(processTreeCommand(n), {
    signal: controller.signal,
    onOutput: (_stream, chunk) => Buffer.from(chunk).toString().includes("started") && started(),
  });
  await sawStart;
  // Background jobs start asynchronously: wait until all five are there.
  await waitFor(async () => (await processesWithArgument(backend, n)).length >= 5);
  controller.abort();
  return { n, result: await running };
}

/**
 * Starts a command that prints "first", waits for the file `gate` to exist,
 * then prints "second". `sawFirst` resolves on the first stdout chunk;
 * `stdoutChunks` collects stdout as it streams; `settled()` tells whether the
 * command has finished. The caller creates `gate` to let it end.
 */
function runUntilGate(
  run: RunCommand,
  gate: string,
): { sawFirst: Promise<void>; stdoutChunks: string[]; running: Promise<ExecResult>; settled: () => boolean } {
  let settled = false;
  let firstChunk!: () => void;
  const sawFirst = new Promise<void>((resolve) => (firstChunk = resolve));
  const stdoutChunks: string[] = [];
  const running = run(`echo first; while [ ! -f '${gate}' ]; do sleep 0.1; done; echo second`, {
    timeoutMs: 110_000,
    onOutput: (stream, chunk) => {
      if (stream === "stdout") {
        stdoutChunks.push(Buffer.from(chunk).toString());
        firstChunk();
      }
    },
  }).finally(() => (settled = true));
  return { sawFirst, stdoutChunks, running, settled: () => settled };
}

/** Expects `attempt` to reject with a BackendError of `code` whose message names `naming`. */
async function expectBackendError(attempt: Promise<unknown>, code: BackendErrorCode, naming: string): Promise<void> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isBackendError(error, code)).toBe(true);
  expect((error as Error).message).toContain(naming);
}

async function waitFor(condition: () => Promise<boolean>, withinMs = 30_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function hashOfPattern(line: string, size: number): Promise<string> {
  const block = Buffer.from(line.repeat(Math.ceil((1 * MiB) / line.length)));
  const usable = block.length - (block.length % line.length);
  const hash = createHash("sha256");
  let left = size;
  while (left > 0) {
    const n = Math.min(left, usable);
    hash.update(block.subarray(0, n));
    left -= n;
  }
  return hash.digest("hex");
}

