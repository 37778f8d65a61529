import { capturedText, createDefaultTools, createRedactor, isBackendError, type AgentTool } from "@monoclaw/core";
import { afterAll, describe, expect, it } from "vitest";
import type { DockerBackend, DockerBackendOptions } from "./docker-backend.js";
import { BUSYBOX, containerNames, testBackend, testDocker } from "./docker.test-helpers.js";

/**
 * Values only the engine can judge, through the backend calls the CLI and
 * the agent make, against the real engine (local busybox image, no network).
 * Each row gives the bad value in `terminal.docker`, what the user or the
 * model is told (naming the key, the value and the fix), and a good value in
 * its place that works (the positive control).
 */
const names = containerNames("mc-bad-runtime");
const backends: DockerBackend[] = [];
afterAll(async () => {
  await Promise.all(backends.map((backend) => backend.dispose().catch(() => undefined)));
  await names.cleanup();
});

function backend(options: DockerBackendOptions): DockerBackend {
  const created = testBackend(names.next(), options);
  backends.push(created);
  return created;
}

/** What a failed call tells its caller: the error's message, or the command's stderr when it ran. */
async function told(call: Promise<{ stderr: Parameters<typeof capturedText>[0]; exitCode: number }>): Promise<string> {
  try {
    const result = await call;
    return `[exit ${result.exitCode}] ${capturedText(result.stderr)}`;
  } catch (error) {
    return (error as Error).message;
  }
}

interface RuntimeRow {
  what: string;
  bad: DockerBackendOptions;
  /** What the user does with it; resolves to what they are told. */
  act: (backend: DockerBackend) => Promise<string>;
  says: (string | RegExp)[];
  good: DockerBackendOptions;
  /** The same act with the good value works. */
  works: (backend: DockerBackend) => Promise<void>;
}

const exec = (command: string) => (b: DockerBackend) => told(b.exec(command));
const runs = (command: string, stdout: string) => async (b: DockerBackend) => {
  const result = await b.exec(command);
  expect(capturedText(result.stderr)).toBe("");
  expect({ exitCode: result.exitCode, stdout: capturedText(result.stdout) }).toEqual({ exitCode: 0, stdout });
};
const HOG = "head -c 300m /dev/zero | tail > /dev/null";

const ROWS: RuntimeRow[] = [
  {
    what: "user: nobody2, a user the image does not have (was: the session shell ended, exit code 126)",
    bad: { user: "nobody2" },
    act: exec("id -un"),
    says: [
      `terminal.docker.user: user "nobody2" does not exist in image ${BUSYBOX}; give a user the image has (its /etc/passwd), a numeric uid such as 1000 or 1000:1000, or host`,
      "`monoclaw config set terminal.docker.user host`",
    ],
    good: { user: "nobody" },
    works: runs("id -un", "nobody\n"),
  },
  {
    what: "user: nobody:nogroup9, a group the image does not have",
    bad: { user: "nobody:nogroup9" },
    act: async (b) => told(b.openSession().then((session) => session.exec("id -gn"))),
    says: [`terminal.docker.user: group "nogroup9" does not exist in image ${BUSYBOX}`],
    good: { user: "nobody:nogroup" },
    works: runs("id -gn", "nogroup\n"),
  },
  {
    what: "cpus: 1000, more than the engine has",
    bad: { cpus: 1000 },
    act: exec("true"),
    says: [/^terminal\.docker\.cpus: 1000 is more than the engine's \d+ CPUs; give at most [\d.]+ \(`monoclaw config set terminal\.docker\.cpus [\d.]+`\)/],
    good: { cpus: 1 },
    works: runs("echo ran", "ran\n"),
  },
  {
    what: "memory: 64m, reached by an exec (the kernel's OOM killer ends it)",
    bad: { memory: "64m" },
    act: exec(HOG),
    says: [
      "[exit 137] ",
      "monoclaw: killed: the container reached its memory limit (terminal.docker.memory = 64m); raise it with `monoclaw config set terminal.docker.memory 128m`",
    ],
    good: { memory: "512m" },
    works: runs(`${HOG} && echo fits`, "fits\n"),
  },
  {
    what: "memory: 64m, reached by a command in the agent's shell session",
    bad: { memory: "64m" },
    act: async (b) => {
      const session = await b.openSession();
      try {
        return await told(session.exec(HOG));
      } finally {
        await session.close();
      }
    },
    says: ["[exit 137] ", "terminal.docker.memory = 64m"],
    good: { memory: "512m" },
    works: async (b) => {
      const session = await b.openSession();
      const result = await session.exec(`${HOG} && echo fits`);
      await session.close();
      expect({ exitCode: result.exitCode, stdout: capturedText(result.stdout), stderr: capturedText(result.stderr) }).toEqual({
        exitCode: 0,
        stdout: "fits\n",
        stderr: "",
      });
    },
  },
];

describe("engine-level bad values name the key, the value and the fix", () => {
  it.each(ROWS)("$what", async (row) => {
    const said = await row.act(backend(row.bad));
    for (const part of row.says) expect(said).toMatch(part instanceof RegExp ? part : new RegExp(literalPattern(part)));
    await row.works(backend(row.good));
  });

  it("a command killed by SIGKILL without reaching the memory limit is not blamed on it", async () => {
    const b = backend({ memory: "64m" });
    const result = await b.exec("kill -9 $$");
    expect(result.exitCode).toBe(137);
    expect(capturedText(result.stderr)).not.toContain("memory");
    // ...and after a real OOM kill, the next plain kill -9 is not blamed either (the counter did not move).
    expect(capturedText((await b.exec(HOG)).stderr)).toContain("terminal.docker.memory = 64m");
    const again = await b.exec("kill -9 $$");
    expect(again.exitCode).toBe(137);
    expect(capturedText(again.stderr)).not.toContain("memory");
  });

  it("the OOM note reaches live output too (what `monoclaw exec` prints as it streams)", async () => {
    let live = "";
    const result = await backend({ memory: "64m" }).exec(HOG, { onOutput: (stream, chunk) => void (stream === "stderr" && (live += Buffer.from(chunk))) });
    expect(result.exitCode).toBe(137);
    expect(live).toContain("raise it with `monoclaw config set terminal.docker.memory 128m`");
  });

  it("user: nobody2 with an attached container (terminal.docker.container) fails naming the key and the container's image; nobody runs", async () => {
    const name = names.next();
    const container = await testDocker.createContainer({ name, Image: BUSYBOX, Cmd: ["sleep", "600"], HostConfig: { NetworkMode: "none" } });
    await container.start();
    expect(await told(backend({ container: name, user: "nobody2" }).exec("id -un"))).toContain(
      `terminal.docker.user: user "nobody2" does not exist in image ${BUSYBOX}; give a user the image has`,
    );
    expect(capturedText((await backend({ container: name, user: "nobody" }).exec("id -un")).stdout)).toBe("nobody\n");
  });

  it("doctor fails docker.user for a user the image does not have and passes it for one it has", async () => {
    const bad = (await backend({ user: "nobody2" }).healthChecks()).find((check) => check.id === "docker.user");
    expect(bad).toMatchObject({ level: "fail", message: `terminal.docker.user: user "nobody2" does not exist in image ${BUSYBOX}` });
    expect(bad?.fix).toContain("`monoclaw config set terminal.docker.user host`");
    const good = (await backend({ user: "nobody" }).healthChecks()).find((check) => check.id === "docker.user");
    expect(good).toMatchObject({ level: "ok", message: `user nobody exists in image ${BUSYBOX}` });
    // A numeric uid is taken as it is: nothing to look up, no line.
    expect((await backend({ user: "4242:4242" }).healthChecks()).some((check) => check.id === "docker.user")).toBe(false);
    // The probe containers are gone.
    expect((await testDocker.listContainers({ all: true, filters: { label: ["dev.monoclaw.probe=user"] } })).length).toBe(0);
  });
});

describe("the write tool through a dangling symbolic link", () => {
  const write = createDefaultTools().find((tool) => tool.name === "write") as AgentTool;
  const runWrite = async (b: DockerBackend, path: string, content: string): Promise<string> => {
    const context = {
      backend: b,
      session: () => b.openSession(),
      toolCallId: "call_bad_values",
      signal: new AbortController().signal,
      emitOutput: () => undefined,
      redactor: createRedactor(),
      vision: false,
    } as unknown as Parameters<AgentTool["execute"]>[1]; // the write tool uses neither outputStore nor the session
    try {
      return (await write.execute(write.inputSchema.parse({ path, content }), context)).output as string;
    } catch (error) {
      expect(isBackendError(error, "ENOENT")).toBe(true);
      return (error as Error).message;
    }
  };

  it("refuses a link whose target's directory does not exist, naming the link, its target and the fix; the link stays and nothing is made", async () => {
    const b = backend({});
    await b.exec("mkdir -p /tmp/links && ln -sf /tmp/links/no-such-dir/notes.md /tmp/links/notes.md");
    const said = await runWrite(b, "/tmp/links/notes.md", "lost?\n");
    expect(said).toBe(
      "Cannot write /tmp/links/notes.md: it is a symbolic link to /tmp/links/no-such-dir/notes.md, whose directory /tmp/links/no-such-dir does not exist; " +
        "create that directory, or remove the link (rm '/tmp/links/notes.md') to write a plain file",
    );
    expect(capturedText((await b.exec("[ -L /tmp/links/notes.md ] && [ ! -e /tmp/links/no-such-dir ] && echo unchanged")).stdout)).toBe("unchanged\n");

    // Positive control: once the directory exists, the write goes through the link to its target.
    await b.exec("mkdir /tmp/links/no-such-dir");
    expect(await runWrite(b, "/tmp/links/notes.md", "kept\n")).toBe("Created /tmp/links/notes.md (5 bytes, 1 lines).");
    expect(capturedText((await b.exec("cat /tmp/links/no-such-dir/notes.md")).stdout)).toBe("kept\n");
  });
});

function literalPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
