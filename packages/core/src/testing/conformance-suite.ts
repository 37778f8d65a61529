import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBackendError, type BackendErrorCode } from "../backend/backend-error.js";
import { EXIT_CODE_ABORTED, EXIT_CODE_TIMEOUT, type CapturedOutput, type ExecOptions, type ExecResult } from "../backend/exec-types.js";
import type { ExecutionBackend } from "../backend/execution-backend.js";
import type { HealthCheck } from "../backend/health-types.js";
import { capturedBytes, capturedText } from "../backend/output-capture.js";
import { describeFileBoundsConformance } from "./conformance-file-bounds.js";
import { performance } from "node:perf_hooks";
import {
  ESCAPE_ROUTES,
  PROCESS_TREE_MINIMUM,
  escapeRouteCommand,
  processTreeCommand,
  processesWithArgument,
  survivingProcesses,
  uniqueSleepSeconds,
} from "./process-probe.js";

export interface BackendConformanceOptions {
  /** Creates the backend under test; called once for the whole suite and disposed at the end. */
  createBackend(): ExecutionBackend | Promise<ExecutionBackend>;
  /**
   * Peak growth of this process's RSS allowed while 200 MB of output stream
   * through `exec` (a backend that kept the output would grow by 200 MB or
   * more). Default 150 MiB.
   */
  maxMemoryGrowthBytes?: number;
  /**
   * Command lines of the processes having `n` as a whole argument that
   * `disposed` (a backend made by `createBackend` and disposed) left running,
   * seen from outside it, since it runs nothing any more. Default: listed
   * through the suite's main backend, which is right when every backend
   * `createBackend` makes shares one process space (the host). A backend
   * whose instances each get their own place (a container per backend) lists
   * that place's processes another way (the engine's process list).
   */
  processesLeftAfterDispose?(disposed: ExecutionBackend, n: number): Promise<string[]>;
  /**
   * Creates a backend of this kind that cannot reach what it runs on (Docker:
   * an engine socket path where nothing listens; host: a shell that does not
   * exist), so the suite checks that `status()` and `healthChecks()` still
   * resolve, saying so, instead of throwing.
   */
  createUnreachableBackend(): ExecutionBackend | Promise<ExecutionBackend>;
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
 * `head`, `yes`, `wc`, `env`, `ln`, `ls` and `chown` (the backend's user may
 * change a file's owner: root, or CAP_CHOWN in a container) or a second
 * group for `chgrp`, where commands run.
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
        const chunks = gated.chunks;
        expect(chunks.join("")).toContain("first");
        expect(gated.settled()).toBe(false);
        await backend.writeFile(gate, "");
        const result = await gated.running;
        expect(result.exitCode).toBe(0);
        expect(text(result.stdout)).toBe("first\nsecond\n");
        expect(chunks.join("")).toBe("first\nsecond\n");
      });

      it("streams stderr while the command still runs, as it does stdout", async () => {
        const gate = `${scratch}/stderr-gate`;
        const gated = runUntilGate(exec, gate, "stderr");
        await gated.sawFirst;
        expect(gated.chunks.join("")).toContain("first");
        expect(gated.settled()).toBe(false);
        await backend.writeFile(gate, "");
        const result = await gated.running;
        expect(text(result.stderr)).toBe("first\nsecond\n");
        expect(gated.chunks.join("")).toBe("first\nsecond\n");
      });

      it("reports durationMs as the real duration", async () => {
        const before = performance.now();
        const result = await backend.exec("sleep 1");
        const wall = performance.now() - before;
        expect(result.exitCode).toBe(0);
        expect(result.durationMs).toBeGreaterThanOrEqual(990);
        expect(result.durationMs).toBeLessThanOrEqual(wall + 50);
      });

      it("passes 10 MB and more of stdin byte for byte", async () => {
        const data = randomBytes(10 * MiB + 12_345);
        const result = await backend.exec("cat", { stdin: data, maxOutputBytes: 16 * MiB, timeoutMs: 110_000 });
        expect(result.exitCode, text(result.stderr)).toBe(0);
        expect(result.stdout.totalBytes).toBe(data.length);
        expect(sha256(capturedBytes(result.stdout))).toBe(sha256(data));
      });

      it("resolves a relative cwd against workspacePath", async () => {
        const relative = `conformance-relative-${randomBytes(4).toString("hex")}`;
        const absolute = `${backend.workspacePath}/${relative}`;
        try {
          expect((await backend.exec(`mkdir -p '${absolute}/sub'`)).exitCode).toBe(0);
          expect(text((await backend.exec("pwd", { cwd: `${relative}/sub` })).stdout)).toBe(`${absolute}/sub\n`);
          expect(text((await backend.exec("pwd", { cwd: "." })).stdout)).toBe(`${backend.workspacePath}\n`);
        } finally {
          await backend.exec(`rm -rf '${absolute}'`);
        }
      });

      it("returns when the command exits even if a background job keeps its output open", async () => {
        const gate = `${scratch}/background-gate`;
        const result = await backend.exec(`(while [ ! -f '${gate}' ]; do sleep 0.1; done; echo late) & echo now`, { timeoutMs: 110_000 });
        expect(result.exitCode).toBe(0);
        expect(result.timedOut).toBe(false);
        expect(text(result.stdout)).toBe("now\n");
        await backend.writeFile(gate, "");
      });

      it("on timeout reports 124, leaves no process behind (every escape route at once) and resolves promptly", async () => {
        const stopped = await stopProcessTree(backend, exec, "timeout");
        expect(stopped.result.timedOut).toBe(true);
        expect(stopped.result.aborted).toBe(false);
        expect(stopped.result.exitCode).toBe(EXIT_CODE_TIMEOUT);
        expect(stopped.result.durationMs).toBeGreaterThanOrEqual(TREE_TIMEOUT_MS);
        await expectTreeEnded(backend, stopped);
      });

      it("on abort reports 130, leaves no process behind (every escape route at once) and resolves promptly", async () => {
        const stopped = await stopProcessTree(backend, exec, "abort");
        expect(stopped.result.aborted).toBe(true);
        expect(stopped.result.timedOut).toBe(false);
        expect(stopped.result.exitCode).toBe(EXIT_CODE_ABORTED);
        await expectTreeEnded(backend, stopped);
      });

      describe("no process escapes a timeout", () => {
        for (const route of ESCAPE_ROUTES) {
          it(`ends ${route.name}`, async () => {
            const stopped = await stopProcessTree(backend, exec, "timeout", route.expected + 1, (n) => escapeRouteCommand(route, n));
            expect(stopped.result.timedOut).toBe(true);
            await expectTreeEnded(backend, stopped, route.expected + 1);
          });
        }
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
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => backend.exec(`echo out-${i}; echo err-${i} >&2; exit ${i}`)));
        results.forEach((result, i) => {
          expect(result.exitCode).toBe(i);
          expect(text(result.stdout)).toBe(`out-${i}\n`);
          expect(text(result.stderr)).toBe(`err-${i}\n`);
        });
      });

      it("caps output in memory: head and tail kept, the whole stream in the spill file", async () => {
        const result = await backend.exec('i=0; while [ $i -lt 400 ]; do echo "line $i"; i=$((i+1)); done', { maxOutputBytes: 1000 });
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
          // Past the default spill cap (64 MiB): this checks that every byte can still be kept.
          maxSpillBytes: size + MiB,
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

    describeFileBoundsConformance(() => ({ backend, scratch }));

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

      it("resolves relative paths against workspacePath in every file operation", async () => {
        const relative = `conformance-relative-files-${randomBytes(4).toString("hex")}`;
        const absolute = `${backend.workspacePath}/${relative}`;
        try {
          await backend.writeFile(`${relative}/deep/note.txt`, "relative\n");
          expect(text((await backend.exec(`cat '${absolute}/deep/note.txt'`)).stdout)).toBe("relative\n");
          expect(Buffer.from(await backend.readFile(`${relative}/deep/note.txt`)).toString()).toBe("relative\n");
          expect(await backend.listDirectory(`${relative}/deep`)).toEqual([{ name: "note.txt", kind: "file" }]);
          expect(await backend.listDirectory(relative)).toEqual([{ name: "deep", kind: "directory" }]);
          const info = await backend.stat(`${relative}/deep/note.txt`);
          expect(info.kind).toBe("file");
          expect(info.size).toBe(9);
          await expectBackendError(backend.readFile(`${relative}/missing.txt`), "ENOENT", "missing.txt");
        } finally {
          await backend.exec(`rm -rf '${absolute}'`);
        }
      });

      it("gives a new file the mode asked for (WriteFileOptions.mode)", async () => {
        for (const mode of [0o750, 0o600, 0o644]) {
          const path = `${scratch}/new-modes/file-${mode.toString(8)}`;
          await backend.writeFile(path, "#!/bin/sh\necho mode\n", { mode });
          expect((await backend.stat(path)).mode & 0o777).toBe(mode);
        }
        expect(text((await backend.exec(`'${scratch}/new-modes/file-750'`)).stdout)).toBe("mode\n");
      });

      it("keeps a file's owner when overwriting it", async () => {
        const path = `${scratch}/owner/kept.txt`;
        await backend.writeFile(path, "first version, longer\n", { mode: 0o666 });
        const mine = owner(text((await backend.exec(ownerLine(path))).stdout));
        // Another owner: chown where allowed (root, CAP_CHOWN), else another of our groups.
        const changed = await backend.exec(
          `chown 65534:65534 '${path}' 2>/dev/null || { g=$(id -G | tr ' ' '\\n' | grep -vx "$(id -g)" | head -n 1); [ -n "$g" ] && chgrp "$g" '${path}'; }`,
        );
        expect(changed.exitCode, "the suite needs chown (root or CAP_CHOWN) or a second group for chgrp where commands run").toBe(0);
        const theirs = owner(text((await backend.exec(ownerLine(path))).stdout));
        expect(theirs).not.toEqual(mine);
        await backend.writeFile(path, "v2\n");
        expect(Buffer.from(await backend.readFile(path)).toString()).toBe("v2\n");
        expect(owner(text((await backend.exec(ownerLine(path))).stdout))).toEqual(theirs);
      });

      it("stat follows symlinks (to a file, to a directory); a dangling one is ENOENT naming the path", async () => {
        const dir = `${scratch}/links`;
        await backend.writeFile(`${dir}/real/target.txt`, "twelve bytes");
        const linked = await backend.exec(`cd '${dir}' && ln -s real/target.txt file-link && ln -s real dir-link && ln -s nowhere dangling`);
        expect(linked.exitCode, text(linked.stderr)).toBe(0);
        const file = await backend.stat(`${dir}/file-link`);
        expect(file.kind).toBe("file");
        expect(file.size).toBe(12);
        expect((await backend.stat(`${dir}/dir-link`)).kind).toBe("directory");
        await expectBackendError(backend.stat(`${dir}/dangling`), "ENOENT", `${dir}/dangling`);
        expect(Buffer.from(await backend.readFile(`${dir}/file-link`)).toString()).toBe("twelve bytes");
      });

      it("lists a directory through a symlink to it", async () => {
        const dir = `${scratch}/listed-links`;
        await backend.writeFile(`${dir}/real/a.txt`, "a");
        await backend.writeFile(`${dir}/real/b/c.txt`, "c");
        expect((await backend.exec(`ln -s real '${dir}/via-link'`)).exitCode).toBe(0);
        const direct = await backend.listDirectory(`${dir}/real`);
        expect(direct).toEqual([
          { name: "a.txt", kind: "file" },
          { name: "b", kind: "directory" },
        ]);
        expect(await backend.listDirectory(`${dir}/via-link`)).toEqual(direct);
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
          await backend.writeFile(
            `${scratch}/session-binary.bin`,
            new Uint8Array(1024).map((_, i) => i % 256),
          );
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
          const quoted = await session.exec('echo \'unbalanced "quote\'; echo "$(echo nested)"');
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

      it("on timeout ends the command's processes (every escape route at once) and stays usable", async () => {
        const session = await backend.openSession({ cwd: scratch });
        try {
          await session.exec("cd /");
          const stopped = await stopProcessTree(backend, (command, runOptions) => session.exec(command, runOptions), "timeout");
          const { result } = stopped;
          expect(result.timedOut).toBe(true);
          expect(result.exitCode).toBe(EXIT_CODE_TIMEOUT);
          await expectTreeEnded(backend, stopped);
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
          let looping = false;
          const result = await session.exec("echo looping; while :; do :; done", {
            timeoutMs: 1500,
            onOutput: (_stream, chunk) => (looping ||= Buffer.from(chunk).toString().includes("looping")),
          });
          expect(looping).toBe(true); // the loop ran before the timeout
          expect(result.timedOut).toBe(true);
          expect(text(result.stdout)).toBe("looping\n");
          expect(result.exitCode).toBe(EXIT_CODE_TIMEOUT);
          expect(text((await session.exec("echo ok")).stdout)).toBe("ok\n");
        } finally {
          await session.close();
        }
      });

      it("on abort ends the command's processes (every escape route at once) and stays usable", async () => {
        const session = await backend.openSession();
        try {
          const stopped = await stopProcessTree(backend, (command, runOptions) => session.exec(command, runOptions), "abort");
          expect(stopped.result.aborted).toBe(true);
          expect(stopped.result.exitCode).toBe(EXIT_CODE_ABORTED);
          await expectTreeEnded(backend, stopped);
          expect(text((await session.exec("echo ok")).stdout)).toBe("ok\n");
        } finally {
          await session.close();
        }
      });

      it("applies SessionOptions.env to every command and what it starts, also after the shell is re-opened", async () => {
        const value = "session value with 'quotes' and $HOME";
        const session = await backend.openSession({ env: { CONFORMANCE_SESSION_ENV: value } });
        try {
          const show = 'printf "[%s]\\n" "$CONFORMANCE_SESSION_ENV"; sh -c \'printf "child [%s]\\n" "$CONFORMANCE_SESSION_ENV"\'';
          expect(text((await session.exec(show)).stdout)).toBe(`[${value}]\nchild [${value}]\n`);
          expect((await session.exec("exit 0")).sessionReset).toBe(true);
          expect(text((await session.exec(show)).stdout)).toBe(`[${value}]\nchild [${value}]\n`);
          expect(text((await backend.exec(show)).stdout)).toBe("[]\nchild []\n");
        } finally {
          await session.close();
        }
      });

      it("resolves a relative starting directory and a relative per-command cwd against workspacePath", async () => {
        const relative = `conformance-relative-session-${randomBytes(4).toString("hex")}`;
        const absolute = `${backend.workspacePath}/${relative}`;
        expect((await backend.exec(`mkdir -p '${absolute}/sub'`)).exitCode).toBe(0);
        const session = await backend.openSession({ cwd: relative });
        try {
          expect(text((await session.exec("pwd")).stdout)).toBe(`${absolute}\n`);
          await session.exec("cd /");
          expect(text((await session.exec("pwd", { cwd: `${relative}/sub` })).stdout)).toBe(`${absolute}/sub\n`);
        } finally {
          await session.close();
          await backend.exec(`rm -rf '${absolute}'`);
        }
      });

      it("close is idempotent", async () => {
        const session = await backend.openSession();
        expect(text((await session.exec("echo ok")).stdout)).toBe("ok\n");
        await session.close();
        await session.close();
      });

      it("runs queued commands one at a time, in order", async () => {
        const session = await backend.openSession();
        try {
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) => session.exec(`CONFORMANCE_LAST=\${CONFORMANCE_LAST:-}${i},; echo "$CONFORMANCE_LAST"`)),
          );
          const expected = (i: number): string => Array.from({ length: i + 1 }, (_, j) => `${j},`).join("");
          for (const [i, result] of results.entries()) expect(text(result.stdout)).toBe(`${expected(i)}\n`);
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

    describe("lifecycle", () => {
      it("after dispose no process the backend started is left (background jobs of finished commands and of a session); dispose is idempotent", async () => {
        const other = await options.createBackend();
        const n = uniqueSleepSeconds();
        try {
          const jobs = ESCAPE_ROUTES.filter((route) => ["a background job (&)", "nohup", "setsid"].includes(route.name)).map((route) => route.start(n));
          expect(jobs).toHaveLength(3);
          const started = await other.exec(`${jobs.join("\n")}\n(setsid sleep ${n} >/dev/null 2>&1 &)\necho started`);
          expect(text(started.stdout)).toBe("started\n");
          const session = await other.openSession();
          await session.exec(`(trap '' TERM; exec sleep ${n}) >/dev/null 2>&1 &`);
          await waitFor(async () => (await processesWithArgument(other, n)).length >= 5); // they exist
        } finally {
          await other.dispose();
        }
        await other.dispose();
        const left = options.processesLeftAfterDispose ?? ((_disposed: ExecutionBackend, m: number) => survivingProcesses(backend, m));
        expect(await left(other, n)).toEqual([]);
      });

      it("status() and healthChecks() resolve on a fresh backend, before anything ran", async () => {
        const fresh = await options.createBackend();
        try {
          const status = await fresh.status();
          expect(status.backend).toBe(fresh.name);
          expect(typeof status.available).toBe("boolean");
          expect(status.summary).not.toBe("");
          expectHealthChecks(await fresh.healthChecks());
        } finally {
          await fresh.dispose();
        }
      });

      it("status() and healthChecks() never throw when the backend is unreachable: unavailable, with a failing check", async () => {
        const unreachable = await options.createUnreachableBackend();
        try {
          const status = await unreachable.status();
          expect(status.available).toBe(false);
          expect(status.summary).not.toBe("");
          const checks = await unreachable.healthChecks();
          expectHealthChecks(checks);
          expect(
            checks.some((check) => check.level === "fail"),
            JSON.stringify(checks),
          ).toBe(true);
        } finally {
          await unreachable.dispose();
        }
      });
    });
  });
}

/**
 * A command printing `path`'s owner as one `ls -ln` line. Where `ls` fails, GNU find prints the same
 * fields: coreutils 9's `ls` passes AT_NO_AUTOMOUNT to statx, which gVisor 20221219 refuses (EINVAL).
 */
function ownerLine(path: string): string {
  return `ls -ln '${path}' 2>/dev/null || find '${path}' -maxdepth 0 -printf '%M %n %U %G\\n'`;
}

/** `uid gid` from one line of `ls -ln`. */
function owner(line: string): string {
  const fields = line.trim().split(/\s+/);
  return `${fields[2]} ${fields[3]}`;
}

/** Every check has an id, a level and a one-line message; a failing or warning one says how to fix it. */
function expectHealthChecks(checks: HealthCheck[]): void {
  expect(checks.length).toBeGreaterThan(0);
  for (const check of checks) {
    expect(check.id).toMatch(/^[a-z][\w.-]*$/);
    expect(["ok", "warn", "fail"]).toContain(check.level);
    expect(check.message).not.toMatch(/^\s*$/);
    expect(check.message).not.toContain("\n");
    if (check.level !== "ok") expect(check.fix, check.id).toBeTruthy();
  }
}

/**
 * How a test runs one command: `backend.exec` or a shell session's `exec`.
 * The tests that hold for both take one, so each check is written once.
 */
type RunCommand = (command: string, options?: ExecOptions) => Promise<ExecResult>;

/** The bound the contract calls "promptly": from the timeout or abort to the promise resolving, with TERM ignored. */
const PROMPT_BOUND_MS = 5000;
/** The timeout the process-tree tests set: long enough for the probe to see the tree first. */
const TREE_TIMEOUT_MS = 3000;

interface StoppedTree {
  n: number;
  result: ExecResult;
  /** How many `n` processes the probe saw while the command still ran (the positive control). */
  seen: number;
  /** Whether the command was still running when the probe saw them. */
  seenBeforeStop: boolean;
  /** Milliseconds from the timeout or abort to the promise resolving. */
  stopToResolveMs: number;
  /** Milliseconds from the call to the promise resolving, measured here. */
  wallMs: number;
}

/**
 * Runs `command(n)` and ends it by `how` (a {@link TREE_TIMEOUT_MS} timeout,
 * or an abort) only after the probe saw at least `expected` processes having
 * `n` as an argument while the command still ran, so a backend that ended it
 * before it forked cannot pass. Returns what the checks need.
 */
async function stopProcessTree(
  backend: ExecutionBackend,
  run: RunCommand,
  how: "timeout" | "abort",
  expected = PROCESS_TREE_MINIMUM,
  command: (n: number) => string = processTreeCommand,
): Promise<StoppedTree> {
  const n = uniqueSleepSeconds();
  const controller = new AbortController();
  let settled = false;
  let stoppedAt: number | undefined;
  const startedAt = performance.now();
  const running = run(command(n), how === "timeout" ? { timeoutMs: TREE_TIMEOUT_MS } : { signal: controller.signal }).finally(() => (settled = true));
  let seen = 0;
  await waitFor(async () => {
    seen = (await processesWithArgument(backend, n)).length;
    return seen >= expected || settled;
  }, TREE_TIMEOUT_MS * 10);
  const seenBeforeStop = !settled && (how === "abort" || performance.now() - startedAt < TREE_TIMEOUT_MS);
  if (how === "abort") {
    stoppedAt = performance.now();
    controller.abort();
  }
  const result = await running;
  const resolvedAt = performance.now();
  stoppedAt ??= startedAt + TREE_TIMEOUT_MS;
  return { n, result, seen, seenBeforeStop, stopToResolveMs: resolvedAt - stoppedAt, wallMs: resolvedAt - startedAt };
}

/** The checks every stopped process tree passes: it existed first, nothing survived, it resolved promptly, the duration is real. */
async function expectTreeEnded(backend: ExecutionBackend, stopped: StoppedTree, expected = PROCESS_TREE_MINIMUM): Promise<void> {
  expect(stopped.seenBeforeStop, `the probe saw ${stopped.seen} of ${expected} processes before the command was stopped`).toBe(true);
  expect(stopped.seen).toBeGreaterThanOrEqual(expected);
  expect(await survivingProcesses(backend, stopped.n)).toEqual([]);
  expect(stopped.stopToResolveMs).toBeLessThan(PROMPT_BOUND_MS);
  expect(stopped.result.durationMs).toBeGreaterThan(0);
  expect(stopped.result.durationMs).toBeLessThanOrEqual(stopped.wallMs + 50);
  expect(stopped.result.durationMs).toBeGreaterThanOrEqual(stopped.wallMs - 1000);
}

/**
 * Starts a command that prints "first" on `stream`, waits for the file
 * `gate` to exist, then prints "second". `sawFirst` resolves on the first
 * chunk of that stream; `chunks` collects it as it streams; `settled()` tells
 * whether the command has finished. The caller creates `gate` to let it end.
 */
function runUntilGate(
  run: RunCommand,
  gate: string,
  stream: "stdout" | "stderr" = "stdout",
): { sawFirst: Promise<void>; chunks: string[]; running: Promise<ExecResult>; settled: () => boolean } {
  let settled = false;
  let firstChunk!: () => void;
  const sawFirst = new Promise<void>((resolve) => (firstChunk = resolve));
  const chunks: string[] = [];
  const to = stream === "stderr" ? " >&2" : "";
  const running = run(`echo first${to}; while [ ! -f '${gate}' ]; do sleep 0.1; done; echo second${to}`, {
    timeoutMs: 110_000,
    onOutput: (name, chunk) => {
      if (name === stream) {
        chunks.push(Buffer.from(chunk).toString());
        firstChunk();
      }
    },
  }).finally(() => (settled = true));
  return { sawFirst, chunks, running, settled: () => settled };
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
