import { mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { DangerousMountError, expandHostPath, parseVolume } from "./volume-mounts.js";

const home = mkdtempSync(join(tmpdir(), "monoclaw-volumes-"));
mkdirSync(join(home, "projects"));
mkdirSync(join(home, ".ssh"));
symlinkSync("/etc", join(home, "innocent"));
const context = { env: { HOME: home, PROJECT: "projects" }, homeDir: home, cwd: home, allowDangerous: false };
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("expandHostPath", () => {
  it("expands ${HOME}, $VAR and ~", () => {
    expect(expandHostPath("${HOME}/projects", context.env, home)).toBe(`${home}/projects`);
    expect(expandHostPath("~/x/$PROJECT", context.env, home)).toBe(`${home}/x/projects`);
    expect(() => expandHostPath("${NOPE}/x", context.env, home)).toThrowError("variable ${NOPE} is not set");
  });
});

describe("parseVolume", () => {
  it("parses host:container[:ro]", () => {
    expect(parseVolume("${HOME}/projects:/projects", context)).toMatchObject({
      hostPath: `${home}/projects`,
      containerPath: "/projects",
      readOnly: false,
    });
    expect(parseVolume("~/.ssh:/root/.ssh:ro", context).readOnly).toBe(true);
    expect(parseVolume("./projects:/p", context).hostPath).toBe(`${home}/projects`);
  });

  it("says clearly what is wrong with a bad entry", () => {
    expect(() => parseVolume("${HOME}/missing:/m", context)).toThrowError(/host path .*missing does not exist; create it/);
    expect(() => parseVolume("/tmp", context)).toThrowError(/write it as host_path:container_path/);
    expect(() => parseVolume("${HOME}/projects:relative", context)).toThrowError(/must be absolute/);
    expect(() => parseVolume("${HOME}/projects:/p:rx", context)).toThrowError(/mode must be ro or rw/);
  });

  it("refuses the Docker socket, / and /etc, also behind a symlink", () => {
    expect(() => parseVolume("/var/run/docker.sock:/var/run/docker.sock", context)).toThrowError(/container engine socket[\s\S]*allow_dangerous_mounts/);
    expect(() => parseVolume("/:/host", context)).toThrowError(/refusing to mount \//);
    expect(() => parseVolume("/etc:/hostetc:ro", context)).toThrowError(/\/etc holds host system files/);
    expect(() => parseVolume("${HOME}/innocent:/x", context)).toThrowError(/resolves to \/etc/);
  });

  it("allows them with allow_dangerous_mounts", () => {
    expect(parseVolume("/etc:/hostetc:ro", { ...context, allowDangerous: true }).hostPath).toBe("/etc");
  });
});

describe("the dangers parseVolume lets through with allow_dangerous_mounts", () => {
  it("records what the policy found, so doctor and the start can warn", () => {
    const allowed = { ...context, allowDangerous: true };
    expect(parseVolume("${HOME}/projects:/p", allowed).danger).toBeUndefined();
    expect(parseVolume("~/.ssh:/root/.ssh", allowed).danger).toMatchObject({ kind: "credentials" });
    expect(parseVolume("/var/run:/r", allowed).danger).toMatchObject({ kind: "engine-socket" });
    expect(parseVolume("/usr/lib:/r", allowed).danger).toMatchObject({ kind: "system" });
    expect(parseVolume("/lib64:/r", allowed).danger).toMatchObject({ kind: "system", reason: "/lib64 holds host system files" });
  });

  it("throws a DangerousMountError carrying the danger when not allowed", () => {
    const error = (() => {
      try {
        parseVolume("~/.ssh:/root/.ssh", context);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(DangerousMountError);
    expect((error as DangerousMountError).danger.kind).toBe("credentials");
    expect((error as Error).message).toContain("add :ro to the entry");
  });
});

describe("the system-tree rule matches trees, not names that start alike", () => {
  it("flags /lib64/x and /lib32 but not /library-code or /libraries on the engine's host", async () => {
    const { engineHostMountDanger } = await import("./mount-policy.js");
    expect(engineHostMountDanger("/lib64/x", true)?.reason).toBe("/lib64 holds host system files");
    expect(engineHostMountDanger("/lib32", true)?.kind).toBe("system");
    expect(engineHostMountDanger("/library-code/app", false)).toBeUndefined();
    expect(engineHostMountDanger("/libraries", false)).toBeUndefined();
    expect(engineHostMountDanger("/etcetera/app", false)).toBeUndefined();
  });
});
