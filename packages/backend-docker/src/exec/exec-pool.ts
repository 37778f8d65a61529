import type { ShellSession } from "@monoclaw/core/backend";

/** A pooled shell lent to one caller; `release` hands it to the next waiter. */
export interface PooledShell {
  session: ShellSession;
  release(): void;
}

/**
 * The shells that run one-shot `exec` calls. Opening a shell costs an Engine
 * API exec (tens of ms); a command sent to an open one costs well under a
 * millisecond, so up to `size` shells stay open and callers beyond that wait
 * for one to be released.
 */
export interface ExecPool {
  acquire(): Promise<PooledShell>;
  /** Closes every pooled shell (idle stop, dispose); the next `acquire` opens new ones. */
  close(): Promise<void>;
}

export function createExecPool(size: number, open: () => Promise<ShellSession>): ExecPool {
  const entries: { session: Promise<ShellSession>; busy: boolean }[] = [];
  const waiters: (() => void)[] = [];

  const acquire = async (): Promise<PooledShell> => {
    for (;;) {
      const idle = entries.find((entry) => !entry.busy);
      const entry = idle ?? (entries.length < size ? { session: open(), busy: false } : undefined);
      if (entry) {
        if (!idle) entries.push(entry);
        entry.busy = true;
        let session: ShellSession;
        try {
          session = await entry.session;
        } catch (error) {
          entries.splice(entries.indexOf(entry), 1);
          throw error;
        }
        return {
          session,
          release: () => {
            entry.busy = false;
            waiters.shift()?.();
          },
        };
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };

  const close = async (): Promise<void> => {
    const closing = entries.splice(0);
    await Promise.all(closing.map((entry) => entry.session.then((s) => s.close()).catch(() => undefined)));
  };

  return { acquire, close };
}
