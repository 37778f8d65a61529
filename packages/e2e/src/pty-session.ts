import { spawn, type IPty } from "@lydell/node-pty";

/** A program in a real pseudo-terminal, as a person at a keyboard runs it. */
export interface PtySession {
  /** Everything written to the terminal so far, escape sequences removed. */
  text(): string;
  /** Resolves once `pattern` matches the text written after offset `from`; rejects with that text after `timeoutMs` or when the program ends first. Resolves with the current length. */
  waitFor(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<number>;
  write(data: string): void;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  /** SIGKILLs the program if it still runs. */
  kill(): void;
}

/** Terminal output as a person reads it: escape sequences and carriage returns removed, erased spinner lines dropped. */
export function plainText(raw: string): string {
  return raw
    .replace(/[^\n]*\r\u001b\[2K/g, "")
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, "")
    .replace(/\u001b\][^\u0007]*\u0007/g, "")
    .replace(/\r/g, "");
}

export function spawnInPty(file: string, args: string[], options: { cwd: string; env: Record<string, string> }): PtySession {
  const pty: IPty = spawn(file, args, { name: "xterm-256color", cols: 120, rows: 40, cwd: options.cwd, env: options.env });
  let raw = "";
  let exitCode: number | undefined;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  pty.onData((data) => {
    raw += data;
    notify();
  });
  const exited = new Promise<number>((resolve) =>
    pty.onExit(({ exitCode: code }) => {
      exitCode = code;
      resolve(code);
      notify();
    }),
  );
  const text = () => plainText(raw);
  return {
    text,
    write: (data) => pty.write(data),
    exited,
    kill: () => {
      if (exitCode === undefined) pty.kill("SIGKILL");
    },
    waitFor(pattern, { from = 0, timeoutMs = 120_000 } = {}) {
      return new Promise<number>((resolve, reject) => {
        const check = () => {
          const seen = text().slice(from);
          if (pattern.test(seen)) {
            done();
            resolve(text().length);
          } else if (exitCode !== undefined) {
            done();
            reject(new Error(`the program exited (${exitCode}) before ${pattern} appeared:\n${seen}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${pattern} did not appear within ${timeoutMs} ms:\n${text().slice(from)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}
