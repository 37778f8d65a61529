import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { isBackendError, isSandboxedStatus } from "@monoclaw/core";
import { BUSYBOX, DEBIAN, containerNames, containerProcesses, execsCreated, testBackend, testDocker, text, waitFor } from "./docker.test-helpers.js";

const names = containerNames("mc-test-backend");
const hostDir = mkdtempSync(join(tmpdir(), "monoclaw-docker-backend-"));
afterAll(async () => {
  await names.cleanup();
  rmSync(hostDir, { recursive: true, force: true });
});

const sleepers = (processes: string[]) => processes.filter((p) => /sleep (100|200|300|400)\b/.test(p));

describe("Docker backend: commands (real engine)", () => {
  it("runs commands with exit codes, stderr, cwd, env and stdin", async () => {
    const backend = testBackend(names.next());
    try {
      const result = await backend.exec("echo out; echo err >&2; exit 3");
      expect(result).toMatchObject({ exitCode: 3, timedOut: false, aborted: false });
      expect(text(result.stdout.head)).toBe("out\n");
      expect(text(result.stderr.head)).toBe("err\n");
      await backend.exec("mkdir -p sub/dir");
      expect(text((await backend.exec("pwd", { cwd: "sub/dir" })).stdout.head)).toBe("/workspace/sub/dir\n");
      expect(text((await backend.exec('echo "$GREETING"', { env: { GREETING: "hi there" } })).stdout.head)).toBe("hi there\n");
      expect(text((await backend.exec("cat; echo", { stdin: "from stdin" })).stdout.head)).toBe("from stdin\n");
      // Nothing carries over from one exec to the next: each is a fresh sh.
      await backend.exec("cd /tmp; export LEAK=1");
      expect(text((await backend.exec('pwd; echo "[$LEAK]"')).stdout.head)).toBe("/workspace\n[]\n");
      const missing = await backend.exec("true", { cwd: "/does/not/exist" }).catch((e: unknown) => e);
      expect(isBackendError(missing, "CWD_NOT_FOUND")).toBe(true);
    } finally {
      await backend.dispose();
    }
  });

  it("runs a command longer than one argument may be (staged as a script)", async () => {
    const backend = testBackend(names.next());
    try {
      const command = `x='${"a".repeat(200_000)}'; echo \${#x}`;
      const result = await backend.exec(command);
      expect(text(result.stdout.head)).toBe("200000\n");
    } finally {
      await backend.dispose();
    }
  });

  it("on timeout ends the whole tree INSIDE the container (background, setsid), and stays usable", async () => {
    const name = names.next();
    const backend = testBackend(name);
    try {
      const result = await backend.exec("sleep 100 & setsid sleep 200 & nohup sleep 300 >/dev/null 2>&1 & sleep 400", { timeoutMs: 1000 });
      expect(result).toMatchObject({ exitCode: 124, timedOut: true });
      await waitFor(async () => sleepers(await containerProcesses(name)).length === 0, 10_000, "no sleep left in the container");
      expect(sleepers(await containerProcesses(name))).toEqual([]);
      expect((await backend.exec("echo still here")).exitCode).toBe(0);
    } finally {
      await backend.dispose();
    }
  });

  it.each([
    ["busybox", BUSYBOX],
    ["debian", DEBIAN],
  ])("dispose ends what commands left running from inside their shells, with no kill exec (%s)", async (_label, image) => {
    const name = names.next();
    // keep_warm: the container runs on after dispose, so only the shells' own ending can have ended the jobs.
    const backend = testBackend(name, { image, keep_warm: true });
    let disposed = false;
    try {
      await backend.exec("sleep 500 >/dev/null 2>&1 &");
      const session = await backend.openSession();
      // A direct child of the session's shell that cleared its marker: found as the shell's child.
      await session.exec("env -u MONOCLAW_RUN_ID sleep 600 >/dev/null 2>&1 &");
      const left = (processes: string[]) => processes.filter((p) => /sleep (500|600)\b/.test(p));
      await waitFor(async () => left(await containerProcesses(name)).length === 2, 10_000, "both background jobs running");
      const since = Date.now();
      await backend.dispose();
      disposed = true;
      expect(left(await containerProcesses(name))).toEqual([]);
      // The container runs on; the shells ended, and no exec was made to end them.
      expect((await testDocker.getContainer(name).inspect()).State.Running).toBe(true);
      expect(await execsCreated(name, since)).toEqual([]);
    } finally {
      if (!disposed) await backend.dispose();
    }
  });

  it("on abort ends the tree inside the container, in a session too (bash image)", async () => {
    const name = names.next();
    const backend = testBackend(name, { image: DEBIAN });
    try {
      const session = await backend.openSession();
      await session.exec("cd /tmp && export KEPT=yes");
      const controller = new AbortController();
      const running = session.exec("sleep 100 & setsid sleep 200 & sleep 300", { signal: controller.signal });
      await waitFor(async () => sleepers(await containerProcesses(name)).length === 3, 30_000, "three sleeps running");
      controller.abort();
      const result = await running;
      expect(result).toMatchObject({ exitCode: 130, aborted: true });
      await waitFor(async () => sleepers(await containerProcesses(name)).length === 0, 10_000, "no sleep left");
      const after = await session.exec('pwd; echo "$KEPT"');
      expect(text(after.stdout.head)).toBe("/tmp\nyes\n");
      await session.close();
    } finally {
      await backend.dispose();
    }
  });

  it("passes forward_env values per command, never in the container's configuration", async () => {
    const name = names.next();
    const secret = `s3cret-${randomBytes(6).toString("hex")}`;
    const backend = testBackend(name, { forward_env: ["MC_TEST_TOKEN"], env: { PLAIN: "literal" }, hostEnv: { ...process.env, MC_TEST_TOKEN: secret } });
    try {
      const result = await backend.exec('echo "$MC_TEST_TOKEN $PLAIN"');
      expect(text(result.stdout.head)).toBe(`${secret} literal\n`);
      const session = await backend.openSession();
      expect(text((await session.exec('echo "$MC_TEST_TOKEN"')).stdout.head)).toBe(`${secret}\n`);
      await session.close();
      const inspect = JSON.stringify(await testDocker.getContainer(name).inspect());
      expect(inspect).not.toContain(secret);
      expect(inspect).toContain("PLAIN=literal");
    } finally {
      await backend.dispose();
    }
  });

  it("recreates a container removed behind its back and retries the command once", async () => {
    const name = names.next();
    const backend = testBackend(name);
    try {
      await backend.exec("true");
      const before = (await testDocker.getContainer(name).inspect()).Id;
      await testDocker.getContainer(name).remove({ force: true });
      const result = await backend.exec("echo back");
      expect(text(result.stdout.head)).toBe("back\n");
      expect((await testDocker.getContainer(name).inspect()).Id).not.toBe(before);
      // Files too.
      await testDocker.getContainer(name).remove({ force: true });
      await backend.writeFile("x.txt", "again");
      expect(text(await backend.readFile("x.txt"))).toBe("again");
    } finally {
      await backend.dispose();
    }
  });

  it("starts a container stopped behind its back (as after an engine restart) and retries", async () => {
    const name = names.next();
    const backend = testBackend(name);
    try {
      await backend.exec("true");
      await testDocker.getContainer(name).stop({ t: 0 });
      expect(text((await backend.exec("echo up")).stdout.head)).toBe("up\n");
      expect((await testDocker.getContainer(name).inspect()).State.Running).toBe(true);
    } finally {
      await backend.dispose();
    }
  });

  it("shares one container between two backend instances (two processes) and replaces it when the config changes", async () => {
    const name = names.next();
    const first = testBackend(name, { keep_warm: true });
    const second = testBackend(name, { keep_warm: true });
    try {
      await first.writeFile("shared.txt", "from the first");
      expect(text(await second.readFile("shared.txt"))).toBe("from the first");
      expect(await first.ensureContainer()).toBe(await second.ensureContainer());
    } finally {
      await first.dispose();
      await second.dispose();
    }
    const messages: string[] = [];
    const changed = testBackend(name, { keep_warm: true, pids_limit: 77, log: (m) => messages.push(m) });
    try {
      expect(text((await changed.exec("cat shared.txt 2>/dev/null || echo fresh")).stdout.head)).toBe("fresh\n");
      expect((await testDocker.getContainer(name).inspect()).HostConfig.PidsLimit).toBe(77);
      expect(messages.join("\n")).toMatch(/settings changed: replacing container/);
    } finally {
      await changed.dispose();
    }
  });
});

describe("Docker backend: files (real engine)", () => {
  it("round-trips 100 MB of binary data and keeps every byte", async () => {
    const backend = testBackend(names.next());
    try {
      const data = randomBytes(100 * 1024 * 1024);
      await backend.writeFile("big/blob.bin", data);
      expect((await backend.stat("big/blob.bin")).size).toBe(data.length);
      const back = await backend.readFile("/workspace/big/blob.bin");
      expect(back.length).toBe(data.length);
      expect(Buffer.compare(Buffer.from(back), data)).toBe(0);
    } finally {
      await backend.dispose();
    }
  });

  it("resolves relative paths against workdir, creates parents, keeps modes, writes through symlinks, sees tmpfs", async () => {
    const backend = testBackend(names.next(), { workdir: "/projects" });
    try {
      await backend.writeFile("a/b/c.txt", "nested");
      expect(text((await backend.exec("cat /projects/a/b/c.txt")).stdout.head)).toBe("nested");
      await backend.writeFile("secret.txt", "x", { mode: 0o600 });
      expect((await backend.stat("secret.txt")).mode).toBe(0o600);
      await backend.exec("chmod 755 /projects/a/b/c.txt");
      await backend.writeFile("a/b/c.txt", "rewritten");
      expect((await backend.stat("a/b/c.txt")).mode).toBe(0o755);
      await backend.exec("ln -s /projects/a/b/c.txt link");
      await backend.writeFile("link", "through the link");
      expect(text(await backend.readFile("a/b/c.txt"))).toBe("through the link");
      // /tmp is a tmpfs: what the file API writes there, commands see.
      await backend.writeFile("/tmp/script.sh", "echo from tmpfs");
      expect(text((await backend.exec("sh /tmp/script.sh")).stdout.head)).toBe("from tmpfs\n");
      const entries = await backend.listDirectory(".");
      expect(entries).toEqual(
        expect.arrayContaining([
          { name: "a", kind: "directory" },
          { name: "secret.txt", kind: "file" },
          { name: "link", kind: "symlink" },
        ]),
      );
      expect((await backend.stat("link")).kind).toBe("file");
    } finally {
      await backend.dispose();
    }
  });

  it("keeps the write channel in step across refused writes, odd sizes, concurrency and unusual names", async () => {
    const backend = testBackend(names.next(), { read_only_root: true });
    try {
      const sizes = [0, 1, 65535, 65536, 65537, 3 * 65536 + 17, 1024 * 1024 + 3];
      const payloads = sizes.map((size) => randomBytes(size));
      await Promise.all(payloads.map((data, i) => backend.writeFile(`odd/size-${i}.bin`, data)));
      await backend.writeFile("odd/file", "x");
      for (const [path, code] of [
        ["odd/file/below", "ENOTDIR"],
        ["odd", "EISDIR"],
        ["/usr/lib/readonly-root.txt", "EACCES"],
      ] as const) {
        await expect(backend.writeFile(path, randomBytes(70_000))).rejects.toMatchObject({ code, path });
        // The refused bytes were drained: the next write lands intact.
        await backend.writeFile("odd/after-refusal.txt", `after ${code}`);
        expect(text(await backend.readFile("odd/after-refusal.txt"))).toBe(`after ${code}`);
      }
      for (const [i, data] of payloads.entries()) {
        expect(Buffer.compare(Buffer.from(await backend.readFile(`odd/size-${i}.bin`)), data), `size ${sizes[i]}`).toBe(0);
      }
      for (const name of ["with space.txt", "quote'n\"dq.txt", "-dash.txt", "new\nline.txt", "données 日本語.txt"]) {
        await backend.writeFile(`names/${name}`, name);
        expect(text(await backend.readFile(`names/${name}`))).toBe(name);
      }
      expect((await backend.listDirectory("names")).map((entry) => entry.name).sort()).toEqual(
        ["with space.txt", "quote'n\"dq.txt", "-dash.txt", "new\nline.txt", "données 日本語.txt"].sort(),
      );
    } finally {
      await backend.dispose();
    }
  });

  it("reads a file that changes while read consistently, and stays usable after aborted reads and writes", async () => {
    const backend = testBackend(names.next());
    try {
      const big = randomBytes(50 * 1024 * 1024);
      await backend.writeFile("big.bin", big);
      const controller = new AbortController();
      const reading = backend.readFile("big.bin", { signal: controller.signal });
      controller.abort();
      await expect(reading).rejects.toMatchObject({ code: "IO" });
      const writeController = new AbortController();
      const writing = backend.writeFile("other.bin", big, { signal: writeController.signal });
      writeController.abort();
      await expect(writing).rejects.toMatchObject({ code: "IO" });
      expect(Buffer.compare(Buffer.from(await backend.readFile("big.bin")), big)).toBe(0);
      // A file growing while read: the result is one whole snapshot of its lines, never torn or zero-padded.
      const grower = await backend.openSession();
      await grower.exec("i=0; while [ $i -lt 20000 ]; do echo line-$i; i=$((i+1)); done > grow.txt; (while :; do echo more >> grow.txt; done) & echo started");
      for (let i = 0; i < 5; i++) {
        const lines = text(await backend.readFile("grow.txt")).split("\n");
        expect(lines.pop()).toBe("");
        expect(lines.every((line) => /^(line-\d+|more)$/.test(line))).toBe(true);
      }
      await grower.close();
    } finally {
      await backend.dispose();
    }
  });

  it("rejects with errors naming the path", async () => {
    const backend = testBackend(names.next());
    try {
      await backend.writeFile("dir/file.txt", "x");
      await expect(backend.readFile("nope.txt")).rejects.toMatchObject({ code: "ENOENT", path: "nope.txt" });
      await expect(backend.readFile("dir")).rejects.toMatchObject({ code: "EISDIR" });
      await expect(backend.stat("missing")).rejects.toMatchObject({ code: "ENOENT" });
      await expect(backend.listDirectory("dir/file.txt")).rejects.toMatchObject({ code: "ENOTDIR" });
      await expect(backend.writeFile("dir/file.txt/under", "x")).rejects.toMatchObject({ code: "ENOTDIR" });
      await expect(backend.writeFile("", "x")).rejects.toMatchObject({ code: "INVALID" });
    } finally {
      await backend.dispose();
    }
  });
});

describe("Docker backend: volumes, user and hardening (real engine)", () => {
  it("mounts volumes (with :ro) and creates files as the configured user, not root", async () => {
    const projects = join(hostDir, "projects");
    const keys = join(hostDir, "keys");
    for (const dir of [projects, keys]) rmSync(dir, { recursive: true, force: true });
    (await import("node:fs")).mkdirSync(projects);
    (await import("node:fs")).mkdirSync(keys);
    writeFileSync(join(keys, "id"), "key");
    // The host user's own directory (what user: host is for).
    chownSync(projects, 1234, 1234);
    const backend = testBackend(names.next(), { volumes: [`${projects}:/projects`, `${keys}:/keys:ro`], workdir: "/projects", user: "1234:1234" });
    try {
      await backend.writeFile("made-in-container.txt", "hello host");
      expect(readFileSync(join(projects, "made-in-container.txt"), "utf8")).toBe("hello host");
      expect(statSync(join(projects, "made-in-container.txt")).uid).toBe(1234);
      await backend.exec("echo cmd > by-command.txt");
      expect(statSync(join(projects, "by-command.txt")).uid).toBe(1234);
      expect(text(await backend.readFile("/keys/id"))).toBe("key");
      await expect(backend.writeFile("/keys/id", "overwritten")).rejects.toMatchObject({ code: "EACCES" });
      expect(readFileSync(join(keys, "id"), "utf8")).toBe("key");
    } finally {
      await backend.dispose();
    }
  });

  it("reports its host mounts in status(), before and after the container exists, for the approval policy", async () => {
    const shared = join(hostDir, "shared");
    rmSync(shared, { recursive: true, force: true });
    (await import("node:fs")).mkdirSync(shared);
    const writable = testBackend(names.next(), { volumes: [`${shared}:/shared`] });
    const readOnly = testBackend(names.next(), { volumes: [`${shared}:/shared:ro`] });
    try {
      const before = await writable.status();
      expect(before.details?.mounts).toEqual([{ source: shared, target: "/shared", readOnly: false, type: "bind" }]);
      await writable.exec("true");
      const after = await writable.status();
      expect(after.details?.mounts).toEqual(expect.arrayContaining([{ source: shared, target: "/shared", readOnly: false, type: "bind" }]));
      // A writable host folder means `rm -rf` can reach the host: approvals still apply.
      expect(isSandboxedStatus(after)).toBe(false);
      await readOnly.exec("true");
      expect(isSandboxedStatus(await readOnly.status())).toBe(true);
    } finally {
      await writable.dispose();
      await readOnly.dispose();
    }
  });

  it("lets a non-root user write its working directory when nothing is mounted there", async () => {
    const backend = testBackend(names.next(), { user: "4321:4321" });
    try {
      const result = await backend.exec("id -u; echo x > f.txt && ls -n f.txt");
      expect(text(result.stdout.head)).toMatch(/^4321\n.* 4321 +4321 /);
    } finally {
      await backend.dispose();
    }
  });

  it("refuses dangerous mounts, also through a symlink, with a clear error and no container", async () => {
    const link = join(hostDir, "looks-harmless");
    symlinkSync("/var/run/docker.sock", link);
    for (const volume of ["/var/run/docker.sock:/var/run/docker.sock", "/:/host", "/etc:/etc2:ro", `${link}:/sock`]) {
      const name = names.next();
      const backend = testBackend(name, { volumes: [volume] });
      const error = (await backend.exec("true").catch((e: unknown) => e)) as Error;
      expect(isBackendError(error, "INVALID"), volume).toBe(true);
      expect(error.message).toMatch(/refusing to mount/);
      expect(error.message).toContain("allow_dangerous_mounts");
      expect(
        await testDocker
          .getContainer(name)
          .inspect()
          .catch(() => "absent"),
      ).toBe("absent");
      await backend.dispose();
    }
    const missing = testBackend(names.next(), { volumes: [`${hostDir}/not-there:/x`] });
    await expect(missing.exec("true")).rejects.toThrow(/does not exist; create it/);
    await missing.dispose();
  });

  it("drops capabilities, sets no-new-privileges, runs tini, and honours read_only_root", async () => {
    const name = names.next();
    const backend = testBackend(name, { read_only_root: true });
    try {
      const status = text((await backend.exec("grep -E '^(CapEff|NoNewPrivs)' /proc/self/status")).stdout.head);
      expect(status).toMatch(/NoNewPrivs:\s+1/);
      // CHOWN DAC_OVERRIDE FOWNER SETGID SETUID KILL = bits 0,1,3,6,7,5 -> 0xeb
      expect(status).toMatch(/CapEff:\s+00000000000000eb/);
      expect((await containerProcesses(name))[0]).toMatch(/docker-init/);
      expect((await backend.exec("touch /etc/nope")).exitCode).not.toBe(0);
      await expect(backend.writeFile("/usr/nope.txt", "x")).rejects.toMatchObject({ code: "EACCES" });
      await backend.writeFile("still-writable.txt", "workdir is a volume");
      await backend.writeFile("/tmp/t.txt", "tmp is a tmpfs");
      expect(text(await backend.readFile("still-writable.txt"))).toBe("workdir is a volume");
    } finally {
      await backend.dispose();
    }
  });
});
