import type { CapturedOutput, ExecOptions, ExecResult, ExecutionBackend } from "@monoclaw/core/backend";
import { memoryToBytes } from "../docker-config.js";

/** What a shell reports for a process ended by SIGKILL, which is how the kernel's OOM killer ends one. */
const KILLED_EXIT_CODE = 137;

/**
 * Prints the container's cgroup memory events: `oom_kill N` counts the
 * processes the OOM killer ended in it (cgroup v2 `memory.events`, cgroup v1
 * `memory.oom_control`; both are readable by any user in the container).
 */
export const OOM_KILL_COUNTER_SCRIPT = "cat /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null; exit 0";

/** The `oom_kill` counter in the script's output, or undefined when the container shows neither file. */
export function parseOomKillCount(text: string): number | undefined {
  const match = /^oom_kill (\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The line a command killed for memory gets on its stderr: what happened, the key, and how to raise it. */
export function oomKillNote(memory: number | string | undefined): string {
  if (memory === undefined) {
    return (
      "killed: the command ran out of memory (the kernel's out-of-memory killer ended it; terminal.docker.memory is not set, so the engine's host ran out); " +
      "set a limit with `monoclaw config set terminal.docker.memory 2g` so one command cannot exhaust the host"
    );
  }
  const doubled = `${Math.ceil((memoryToBytes(memory) * 2) / 1024 ** 2)}m`;
  return `killed: the container reached its memory limit (terminal.docker.memory = ${memory}); raise it with \`monoclaw config set terminal.docker.memory ${doubled}\``;
}

/**
 * Explains a command that exited 137 when the container's OOM-kill counter
 * went up since the last look: the note goes to the caller's live stderr and
 * to the captured stderr, as a shell's "Killed" would. Other results pass
 * unchanged and cost nothing; only a 137 costs one read of the counter. The
 * first look in a container compares against 0, so a `kill -9` there after
 * an earlier OOM kill (in a reused container) is explained as one.
 */
export function createOomKillExplainer(readCounter: () => Promise<string>, memory: number | string | undefined) {
  let seen = 0;
  return async (result: ExecResult, onOutput?: ExecOptions["onOutput"]): Promise<ExecResult> => {
    if (result.exitCode !== KILLED_EXIT_CODE || result.timedOut || result.aborted) return result;
    const kills = parseOomKillCount(await readCounter().catch(() => ""));
    if (kills === undefined || kills <= seen) return result;
    seen = kills;
    const note = Buffer.from(`monoclaw: ${oomKillNote(memory)}\n`);
    await onOutput?.("stderr", note);
    return { ...result, stderr: withAppended(result.stderr, note) };
  };
}

/** The captured stream with `bytes` added at its end (the tail when it was truncated). */
function withAppended(output: CapturedOutput, bytes: Uint8Array): CapturedOutput {
  const part = output.truncated ? "tail" : "head";
  return { ...output, [part]: Buffer.concat([output[part], bytes]), totalBytes: output.totalBytes + bytes.length };
}

/**
 * The backend with every command result (`exec` and each session's `exec`)
 * passed through {@link createOomKillExplainer}.
 */
export function withOomKillNotes<T extends ExecutionBackend>(backend: T, readCounter: () => Promise<string>, memory: number | string | undefined): T {
  const explain = createOomKillExplainer(readCounter, memory);
  return {
    ...backend,
    exec: async (command, options = {}) => explain(await backend.exec(command, options), options.onOutput),
    openSession: async (sessionOptions) => {
      const session = await backend.openSession(sessionOptions);
      return { ...session, exec: async (command, options = {}) => explain(await session.exec(command, options), options.onOutput) };
    },
  };
}
