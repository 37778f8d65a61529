import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSecretValues } from "./secret-values.js";

const dir = mkdtempSync(join(tmpdir(), "monoclaw-secret-values-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const context = { env: { PATH: process.env.PATH, GH: "ghp_fromenv" }, cwd: dir, homeDir: dir };

describe("readSecretValues", () => {
  it("reads from_env, from_file (one trailing newline dropped, ~ is home) and from_command", async () => {
    writeFileSync(join(dir, "token"), "from-file-value\n");
    const values = await readSecretValues(
      {
        A: { from_env: "GH", hosts: ["a.test"] },
        B: { from_file: "~/token", hosts: ["b.test"] },
        C: { from_command: "printf 'from-command-value\\n'", hosts: ["c.test"] },
      },
      context,
    );
    expect(Object.fromEntries(values)).toEqual({ A: "ghp_fromenv", B: "from-file-value", C: "from-command-value" });
  });

  it.each([
    [
      { from_env: "MISSING", hosts: ["a.test"] },
      "terminal.docker.secrets.S: from_env MISSING is not set in MonoClaw's environment; export MISSING=... before starting",
    ],
    [{ from_file: "nope", hosts: ["a.test"] }, `terminal.docker.secrets.S: from_file ${join(dir, "nope")} cannot be read (ENOENT)`],
    [
      { from_command: "echo 'vault: not logged in' >&2; exit 3", hosts: ["a.test"] },
      "terminal.docker.secrets.S: from_command failed: exit code 3: vault: not logged in",
    ],
    [{ from_command: "true", hosts: ["a.test"] }, "terminal.docker.secrets.S: the value is empty"],
    [{ from_command: "printf 'two\\nlines'", hosts: ["a.test"] }, "the value holds a line break or NUL"],
  ])("fails closed on a bad source (%o)", async (secret, message) => {
    await expect(readSecretValues({ S: secret }, context)).rejects.toThrow(message);
  });

  it("never follows a link at from_file (a sandbox can make one in a mounted directory), nor reads a FIFO, and the real file still reads", async () => {
    writeFileSync(join(dir, "host-secret"), "host-only-value\n");
    symlinkSync(join(dir, "host-secret"), join(dir, "linked-token"));
    execFileSync("mkfifo", [join(dir, "fifo-token")]);
    await expect(readSecretValues({ S: { from_file: "linked-token", hosts: ["a.test"] } }, context)).rejects.toThrow(
      `terminal.docker.secrets.S: from_file ${join(dir, "linked-token")} cannot be read (it is a symbolic link, which MonoClaw does not follow here)`,
    );
    // A FIFO would block the read for good: refused at once.
    await expect(readSecretValues({ S: { from_file: "fifo-token", hosts: ["a.test"] } }, context)).rejects.toThrow("(it is not a regular file)");
    expect((await readSecretValues({ S: { from_file: "host-secret", hosts: ["a.test"] } }, context)).get("S")).toBe("host-only-value");
  });

  it("never puts a failing command's standard output in the message (it may be the value)", async () => {
    const error = await readSecretValues({ S: { from_command: "echo hunter2-secret; exit 1", hosts: ["a.test"] } }, context).catch((e: Error) => e);
    expect(String(error)).toContain("exit code 1");
    expect(String(error)).not.toContain("hunter2-secret");
  });

  it("leaves out a failing command's error line when it holds what the command printed (set -x traces the value)", async () => {
    const error = await readSecretValues({ S: { from_command: "set -x; printf %s ghp_traced0123456789; exit 1", hosts: ["a.test"] } }, context).catch(
      (e: Error) => e,
    );
    expect(String(error)).toContain("from_command failed: exit code 1");
    expect(String(error)).not.toContain("ghp_traced0123456789");
  });
});
