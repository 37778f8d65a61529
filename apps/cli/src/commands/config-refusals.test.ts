import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestHome, runBin, type TestHome } from "../cli.test-helpers.js";

/** `config set` refuses what every command would refuse, with the same message, and leaves the file as it was. */
let t: TestHome;
beforeEach(() => {
  t = createTestHome();
});
afterEach(() => t.remove());

const run = (args: string[]) => runBin(args, { env: t.env, cwd: t.workdir });
const docker = `terminal:\n  backend: docker\n  docker:\n    image: monoclaw-test/busybox:latest\n    network: none\n    pull: never\n`;

describe("config set and the mount policy", () => {
  it("refuses a volume under /usr with the very message exec prints, and leaves the file untouched", async () => {
    t.writeConfig(docker);
    const refused = await run(["config", "set", "terminal.docker.volumes", '["/usr/lib:/hostlib"]']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^monoclaw: terminal\.docker\.volumes entry "\/usr\/lib:\/hostlib": refusing to mount \/usr\/lib: \/usr holds host system files\./,
    );
    expect(t.readConfig()).toBe(docker);

    // What exec says when the file holds the entry anyway (written by hand).
    t.writeConfig(`${docker}    volumes: ["/usr/lib:/hostlib"]\n`);
    const exec = await run(["exec", "--", "true"]);
    expect(exec.code).toBe(2);
    expect(exec.stderr).toBe(refused.stderr);
  });

  it("refuses turning allow_dangerous_mounts off while a dangerous entry is there, and a writable ~/.ssh", async () => {
    mkdirSync(join(t.root, ".ssh"));
    t.writeConfig(`${docker}    allow_dangerous_mounts: true\n    volumes: ["/var/lib:/v"]\n`);
    const off = await run(["config", "set", "terminal.docker.allow_dangerous_mounts", "false"]);
    expect(off.code).toBe(2);
    expect(off.stderr).toContain("refusing to mount /var/lib");

    const unset = await run(["config", "unset", "terminal.docker.allow_dangerous_mounts"]);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toBe(off.stderr);
    expect(t.readConfig()).toContain("allow_dangerous_mounts: true");

    t.writeConfig(docker);
    const keys = await run(["config", "set", "terminal.docker.volumes", '["~/.ssh:/root/.ssh"]']);
    expect(keys.code).toBe(2);
    expect(keys.stderr).toContain(`${join(t.root, ".ssh")} holds keys or credentials`);
  });

  it("sets an ordinary project directory, and ~/.ssh read-only (positive control)", async () => {
    mkdirSync(join(t.root, ".ssh"));
    t.writeConfig(docker);
    const project = join(t.workdir, "app");
    mkdirSync(project);
    expect(await run(["config", "set", "terminal.docker.volumes", `["${project}:/app", "~/.ssh:/root/.ssh:ro"]`])).toMatchObject({ code: 0 });
    expect(t.readConfig()).toContain(`${project}:/app`);
    // A directory not made yet is the command's business, not a refusal now.
    expect(await run(["config", "set", "terminal.docker.volumes", `["${join(t.workdir, "later")}:/later"]`])).toMatchObject({ code: 0 });
  });
});
