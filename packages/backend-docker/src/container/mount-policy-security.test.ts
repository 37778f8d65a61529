import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBackendError } from "@monoclaw/core/backend";
import { containerNames, testBackend, testDocker, text } from "../docker.test-helpers.js";
import { checkEngineHostPath, parseVolume } from "./volume-mounts.js";
import { engineHostMountDanger } from "./mount-policy.js";

/**
 * The mount policy against the real engine: each dangerous host path is
 * refused before any container exists, whether it is a system tree, inside
 * one, above one, the home directory or above it, a key directory mounted
 * writable, or a directory holding an engine socket; and an ordinary project
 * directory still mounts and takes writes (the positive control).
 */
const names = containerNames("mc-test-mountpolicy");
const root = mkdtempSync(join(tmpdir(), "mc-mp-"));
/** A fake home with keys: HOME points here for the home and key tests. */
const home = join(root, "users", "me");
const project = join(home, "projects", "app");
const servers: Server[] = [];

function listen(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    servers.push(server);
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
}

beforeAll(async () => {
  mkdirSync(project, { recursive: true });
  mkdirSync(join(home, ".ssh"));
  writeFileSync(join(home, ".ssh", "id_ed25519"), "PRIVATE KEY OF THE TEST\n");
  mkdirSync(join(home, ".config", "gh"), { recursive: true });
  writeFileSync(join(home, ".config", "gh", "hosts.yml"), "oauth_token: gho_test\n");
  mkdirSync(join(home, ".monoclaw"));
  writeFileSync(join(home, ".monoclaw", "config.yaml"), "providers: {}\n");
  // An engine socket two levels down, and a *.sock in a `run` directory, as a rootless engine or a runtime leaves them.
  mkdirSync(join(root, "engine-home", "a", "b"), { recursive: true });
  await listen(join(root, "engine-home", "a", "docker.sock"));
  mkdirSync(join(root, "service", "run"), { recursive: true });
  await listen(join(root, "service", "run", "api.sock"));
  symlinkSync("/usr/lib", join(root, "looks-like-a-project"));
});

afterAll(async () => {
  for (const server of servers) server.close();
  await names.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const homeEnv = { HOME: home, PATH: process.env.PATH ?? "/usr/bin:/bin" };

/** Runs one command with `volumes` and returns the error; asserts no container was made. */
async function refusal(volume: string, options: { hostEnv?: Record<string, string> } = {}): Promise<Error> {
  const name = names.next();
  const backend = testBackend(name, { volumes: [volume], ...(options.hostEnv ? { hostEnv: options.hostEnv } : {}) });
  try {
    const error = (await backend.exec("true").catch((caught: unknown) => caught)) as Error;
    expect(isBackendError(error, "INVALID"), `${volume} must be refused, got ${String(error)}`).toBe(true);
    expect(error.message).toMatch(/refusing to mount/);
    expect(error.message).toContain("allow_dangerous_mounts: true");
    expect(
      await testDocker
        .getContainer(name)
        .inspect()
        .catch(() => "absent"),
    ).toBe("absent");
    return error;
  } finally {
    await backend.dispose();
  }
}

describe("the mount policy refuses dangerous host paths before any container exists", () => {
  it("mounts an ordinary project directory and the container writes there (positive control)", async () => {
    const backend = testBackend(names.next(), { volumes: [`${project}:/project`], hostEnv: homeEnv });
    try {
      const result = await backend.exec("echo from-the-container > /project/written.txt && echo ok");
      expect(text(result.stdout.head)).toBe("ok\n");
      expect(readFileSync(join(project, "written.txt"), "utf8")).toBe("from-the-container\n");
    } finally {
      await backend.dispose();
    }
  });

  it("never mounts a subdirectory of a system tree, read-write or read-only", async () => {
    for (const volume of ["/usr/lib:/h", "/var/lib:/h", "/lib/x86_64-linux-gnu:/h", "/etc/ssl:/h:ro", "/var/log:/h", "/opt:/h:ro", "/var/cache:/h"]) {
      const error = await refusal(volume);
      expect(error.message).toMatch(/holds host system files/);
    }
  });

  it("never mounts the directories that hold the engine's and containerd's sockets (/var/run/docker gave root on the host)", async () => {
    for (const volume of ["/var/run/docker:/h", "/run/containerd:/h", "/run:/h:ro", "/var/run:/h"]) {
      const error = await refusal(volume);
      expect(error.message).toMatch(/container engine socket|sockets of the container engine|holds host system files/);
    }
  });

  it("never mounts a parent of a system tree: /, /var, /usr's parent", async () => {
    // `/` holds the engine's socket too, the graver reason, and the one named.
    expect((await refusal("/:/host:ro")).message).toMatch(
      /refusing to mount \/: (\/ holds the whole host system|it holds \/\S+\.sock, a container engine socket)/,
    );
    expect((await refusal("/var:/h")).message).toMatch(/it holds \/var\/\w+ \(host system files\)/);
  });

  it("never mounts a symlink that points into /usr", async () => {
    const error = await refusal(`${join(root, "looks-like-a-project")}:/h`);
    expect(error.message).toContain(`resolves to /usr/lib`);
  });

  it("never mounts a directory holding an engine socket two levels down, nor the socket itself", async () => {
    const error = await refusal(`${join(root, "engine-home")}:/h:ro`);
    expect(error.message).toContain(`it holds ${join(root, "engine-home", "a", "docker.sock")}, a container engine socket`);
    expect((await refusal(`${join(root, "engine-home", "a", "docker.sock")}:/var/run/docker.sock`)).message).toMatch(/is a container engine socket/);
  });

  it("never mounts a directory holding a *.sock in a run directory", async () => {
    const error = await refusal(`${join(root, "service")}:/h`);
    expect(error.message).toContain(join(root, "service", "run", "api.sock"));
  });

  it("never mounts the home directory or a directory above it", async () => {
    expect((await refusal(`${home}:/h:ro`, { hostEnv: homeEnv })).message).toContain(`${home} is your home directory`);
    expect((await refusal(`${join(root, "users")}:/h:ro`, { hostEnv: homeEnv })).message).toContain(`it holds your home directory ${home}`);
    expect((await refusal("/home:/h:ro", { hostEnv: homeEnv })).message).toContain("/home holds every user's home directory");
  });

  it("mounts ~/.ssh read-only (the container reads the key, cannot change it), never read-write", async () => {
    const error = await refusal("~/.ssh:/root/.ssh", { hostEnv: homeEnv });
    expect(error.message).toContain(`${join(home, ".ssh")} holds keys or credentials`);
    expect(error.message).toContain("add :ro to the entry");

    const backend = testBackend(names.next(), { volumes: ["~/.ssh:/keys:ro"], hostEnv: homeEnv });
    try {
      expect(text((await backend.exec("cat /keys/id_ed25519")).stdout.head)).toBe("PRIVATE KEY OF THE TEST\n");
      expect((await backend.exec("echo planted > /keys/authorized_keys")).exitCode).not.toBe(0);
      expect(() => readFileSync(join(home, ".ssh", "authorized_keys"))).toThrow();
    } finally {
      await backend.dispose();
    }
  });

  it("never mounts MonoClaw's own config directory (API keys) writable, nor a directory holding a key directory", async () => {
    expect((await refusal("~/.monoclaw:/m", { hostEnv: homeEnv })).message).toContain(`${join(home, ".monoclaw")} holds keys or credentials`);
    expect((await refusal("~/.config:/c:ro", { hostEnv: homeEnv })).message).toContain(`it holds ${join(home, ".config", "gh")}`);
    expect((await refusal("~/.config/gh:/gh", { hostEnv: homeEnv })).message).toContain("holds keys or credentials");
  });

  it("lets allow_dangerous_mounts mount one anyway, and says so at start", async () => {
    const messages: string[] = [];
    const backend = testBackend(names.next(), { volumes: ["/usr/lib:/hostlib:ro"], allow_dangerous_mounts: true, log: (m) => messages.push(m) });
    try {
      expect((await backend.exec("test -d /hostlib && echo mounted")).exitCode).toBe(0);
      expect(messages.join("\n")).toContain("warning: volume /usr/lib:/hostlib:ro (allowed by allow_dangerous_mounts): /usr holds host system files");
    } finally {
      await backend.dispose();
    }
  });
});

describe("the policy on the engine's host path (MonoClaw in a container)", () => {
  const mountProject = () => parseVolume(`${project}:/project`, { env: homeEnv, homeDir: home, cwd: root, allowDangerous: false });

  it("refuses a clean-looking local path that is a system tree or a key directory on the engine's host", () => {
    const mount = mountProject();
    expect(() => checkEngineHostPath(mount, "/etc/app", false)).toThrow(/is \/etc\/app on the engine's host\): \/etc holds host system files/);
    expect(() => checkEngineHostPath(mount, "/home/alice", false)).toThrow(/\/home\/alice is a user's home directory/);
    expect(() => checkEngineHostPath(mount, "/home/alice/.aws", false)).toThrow(/\/home\/alice\/\.aws holds keys or credentials/);
    expect(engineHostMountDanger("/var/lib/docker/volumes/x", true)?.kind).toBe("system");
  });

  it("passes the same project on the engine's host (positive control)", () => {
    const mount = mountProject();
    expect(checkEngineHostPath(mount, "/home/alice/code/app", false)).toBeUndefined();
    expect(checkEngineHostPath(mount, mount.resolvedHostPath, false)).toBeUndefined();
  });
});
