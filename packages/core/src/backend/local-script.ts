import { spawn } from "node:child_process";

/**
 * Runs a POSIX sh script on this machine (`/bin/sh -c`), with no stdin or
 * output and a minimal environment (only PATH, so it never carries a run
 * marker), and resolves with its exit code when it ends. Never rejects: a
 * missing shell resolves with 127.
 */
export function runLocalScript(script: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", script], {
      stdio: "ignore",
      env: { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin" },
    });
    child.once("error", () => resolve(127));
    child.once("exit", (code) => resolve(code ?? 1));
  });
}
