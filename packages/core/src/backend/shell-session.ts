import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { BackendError } from "./backend-error.js";
import { watchDeadline, effectiveTimeoutMs } from "./exec-deadline.js";
import { createExecOutput } from "./exec-output.js";
import { createOutputFlow } from "./output-flow.js";
import { assertEnvNames, execStatus } from "./exec-status.js";
import type { ExecOptions, ExecResult } from "./exec-types.js";
import type { ShellSession } from "./execution-backend.js";
import { DEFAULT_KILL_GRACE_MS, processTreeKillScript } from "./process-tree-kill.js";
import { assertRunMarker, childRunMarker, runMarkerEnv } from "./run-marker.js";
import { createSentinelScanner } from "./sentinel-scanner.js";
import { shellQuote } from "./shell-quote.js";
import { commandComm, readyTag, sentinelTag, shellCommandMessage, shellInitScript } from "./shell-protocol-script.js";
import type { OpenShellTransport, ShellTransport } from "./shell-transport.js";

/** A command's stdin bytes put where the shell can read them (a temporary file). */
export interface StagedStdin {
  /** Path as the shell sees it. */
  path: string;
  /** Deletes the file. Never throws. */
  release(): Promise<void>;
}

/** What {@link openShellSession} needs from a backend. */
export interface ShellSessionProtocolOptions {
  /** Starts the shell (see {@link OpenShellTransport}); called again for each re-open. */
  openTransport: OpenShellTransport;
  /**
   * Runs a POSIX sh script where the shell's commands run (same `/proc`
   * view), from a process that does not carry the session's marker, and
   * resolves when it ended. Used for `processTreeKillScript`.
   */
  runKillScript(script: string): Promise<void>;
  /** The session's run marker (see `childRunMarker`); each command gets a child of it. */
  marker: string;
  /** Timeout for commands that set none, in milliseconds. */
  defaultTimeoutMs: number;
  /** Maps a command's `cwd` option to the absolute path the shell should `cd` to. Default: unchanged. */
  resolveCwd?(cwd: string): string;
  /** Writes stdin bytes where the shell can read them. Without it, `stdin` is rejected with `INVALID`. */
  stageStdin?(data: Uint8Array): Promise<StagedStdin>;
  /** TERM-to-KILL grace for the command's processes. Default {@link DEFAULT_KILL_GRACE_MS}. */
  killGraceMs?: number;
  /** After the kill, how long to wait for the shell to report back before treating it as stuck and re-opening it. Default 3000. */
  stuckAfterMs?: number;
  /** How long a new shell may take to say it is ready. Default 30000. */
  openTimeoutMs?: number;
  /** Directory for spill files. Default `os.tmpdir()/monoclaw-output`. */
  spillDirectory?: string;
  /**
   * Where a process the command orphans is re-parented: `"shell"` when the
   * session shell is a child subreaper (the host's launcher), a pid (1 in a
   * container whose init reaps orphans). A timeout or abort then also ends
   * the reaper's children that started while the command ran and carry no
   * other command's marker: a double fork that called `setsid` and cleared
   * its environment. Without it such a process is out of reach. (The shell's
   * own children started while the command ran are always taken: commands
   * run one at a time, so they are the command's, environment cleared or not.)
   */
  orphanReaper?: "shell" | number;
  /** The shell was started as a session leader (`setsid`, a detached child): `close` also ends every member of its session. */
  shellLeadsSession?: boolean;
}

interface LiveShell {
  sid: string;
  transport: ShellTransport;
  pid: number;
  alive: boolean;
  sink: Sink | undefined;
}

interface Sink {
  stdout(chunk: Uint8Array): void;
  stderr(chunk: Uint8Array): void;
  exit(status: { exitCode: number | null; signal: string | null }): void;
}

/** How long ending an idle shell from inside may take before it is killed from outside (the script's grace is at most 500 ms). */
const END_FROM_INSIDE_TIMEOUT_MS = 5000;
/** "Started within" the shell's whole life: ten years (the kill script counts in clock ticks, so this stays a small integer). */
const EVERY_CHILD_MS = 10 * 365 * 24 * 3600 * 1000;
const STANDARD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const EMPTY_OUTPUT = { head: new Uint8Array(0), tail: new Uint8Array(0), totalBytes: 0, truncated: false } as const;

/**
 * Opens a {@link ShellSession} over any transport: one long-lived shell fed
 * commands on stdin (the protocol is described in `shell-protocol-script.ts`).
 *
 * Rules, besides those of ShellSession:
 * - The command text is passed literally; a syntax error is an ordinary
 *   non-zero result. Its stdin is /dev/null or the staged `stdin` bytes.
 * - Output streams live to `onOutput`, minus the protocol's sentinels.
 *   Output a background job writes between commands belongs to no command and
 *   is dropped.
 * - `cwd` applies to one command (the session's directory is restored after
 *   it, undoing a `cd` inside it); `env` applies to one command.
 * - Timeout/abort: USR1 to the shell (its trap abandons the rest of the
 *   command), TERM then KILL to every process carrying the command's marker
 *   and to the subshells the shell forked for this command;
 *   if the shell still does not report back within `stuckAfterMs`, every
 *   process of the session (background jobs of earlier commands too) is
 *   killed and the shell re-opened: `sessionReset: true`.
 * - `exit`/`exec` ending the shell: the result carries the shell's exit code
 *   and `sessionReset: true`; the next command gets a new shell in the
 *   starting directory. Background jobs keep running until `close`.
 * - Rejects with `CWD_NOT_FOUND` when `cwd` cannot be entered (nothing ran),
 *   `INVALID` for bad options, `UNAVAILABLE` when the shell cannot be
 *   (re)started or the session is closed.
 */
export async function openShellSession(options: ShellSessionProtocolOptions): Promise<ShellSession> {
  const sessionMarker = assertRunMarker(options.marker);
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const stuckAfterMs = options.stuckAfterMs ?? 3000;
  let shell: LiveShell | undefined = await openShell(options);
  let seq = 0;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();
  /** Commands between their start and their result (0: the shell waits for its next message). */
  let running = 0;

  const killEverything = async (live: LiveShell): Promise<void> => {
    // The shell is held (stopped) and killed last, so what it adopted is found as its descendants.
    const shellTree = live.alive && live.pid > 1 ? { holdPid: live.pid, ...(options.shellLeadsSession ? { sessionId: live.pid } : {}) } : {};
    await options.runKillScript(processTreeKillScript({ marker: sessionMarker, graceMs: Math.min(graceMs, 500), ...shellTree })).catch(() => undefined);
    await live.transport.kill();
    live.alive = false;
  };

  /**
   * Ends an idle shell from inside: the kill script runs as the shell's own
   * child, in a clean environment (no marker, so it finds neither itself nor
   * its tools), sparing the shell and adopting the shell's children (marker
   * cleared or not); then the shell exits. Where a kill from outside costs a
   * new process (a Docker exec: two Engine API calls and an inspect), this
   * saves it. True when the shell ended that way. Anything short of that
   * (survivors, no `env` or `/bin/sh`, a command that redefined `exec` or
   * `exit`, a timeout) returns false, and the caller kills from outside. Not
   * with `shellLeadsSession`: the script's tools would be members of the
   * session it ends.
   */
  const endFromInside = async (live: LiveShell): Promise<boolean> => {
    if (options.shellLeadsSession || !live.alive || !(live.pid > 1)) return false;
    try {
      const script = processTreeKillScript({
        marker: sessionMarker,
        graceMs: Math.min(graceMs, 500),
        // Every direct child of the shell is its own (the script spares itself): no window by the host's clock, which stops while the host sleeps.
        adoptedBy: { reaperPids: [live.pid], startedWithinMs: EVERY_CHILD_MS },
      });
      // A clean environment and the standard PATH: no marker, and nothing a command exported (PATH, LD_PRELOAD) reaches the script's tools.
      // The EXIT trap is cleared, as a kill from outside never ran it: nothing starts after the last scan.
      const command = `(PATH=${STANDARD_PATH}; exec env -i PATH=${STANDARD_PATH} /bin/sh -c ${shellQuote(script)}) && { trap - EXIT; exit 0; }`;
      // What background jobs write meanwhile is nobody's output: kept small, never spilled to a file.
      const result = await run(command, { timeoutMs: END_FROM_INSIDE_TIMEOUT_MS, maxOutputBytes: 4096, maxSpillBytes: 0 }, true);
      if (live.alive || result.exitCode !== 0) return false;
      await live.transport.kill();
      return true;
    } catch {
      return false;
    }
  };

  const run = async (command: string, execOptions: ExecOptions, closing = false): Promise<ExecResult> => {
    if (closed && !closing) throw new BackendError("UNAVAILABLE", "This shell session is closed; open a new one.");
    // Closing never (re)opens a shell just to end it.
    if (closing && !shell?.alive) throw new BackendError("UNAVAILABLE", "The session shell has already ended.");
    assertEnvNames(execOptions.env);
    const timeoutMs = effectiveTimeoutMs(execOptions.timeoutMs, options.defaultTimeoutMs);
    if (typeof command !== "string") throw new BackendError("INVALID", "The command must be a string");
    if (command.includes("\0")) throw new BackendError("INVALID", "The command contains a NUL byte, which no shell can run");
    const startedAt = performance.now();
    if (execOptions.signal?.aborted) {
      return { ...execStatus(null, null, "abort"), timedOut: false, aborted: true, durationMs: 0, stdout: EMPTY_OUTPUT, stderr: EMPTY_OUTPUT };
    }
    const cwd = execOptions.cwd === undefined ? undefined : (options.resolveCwd?.(execOptions.cwd) ?? execOptions.cwd);
    let staged: StagedStdin | undefined;
    if (execOptions.stdin !== undefined) {
      if (options.stageStdin === undefined) throw new BackendError("INVALID", "This backend's shell sessions do not accept stdin");
      const bytes = typeof execOptions.stdin === "string" ? new TextEncoder().encode(execOptions.stdin) : execOptions.stdin;
      staged = await options.stageStdin(bytes);
    }
    try {
      // A shell that ended while idle (container stopped, killed from outside)
      // took this session's state with it: say so on the next result.
      const lostWhileIdle = shell !== undefined && !shell.alive;
      if (shell === undefined || !shell.alive) shell = await openShell(options);
      const live = shell;
      const number = ++seq;
      const marker = childRunMarker(sessionMarker, number);
      const output = createExecOutput(execOptions, options.spillDirectory);
      const tag = sentinelTag(live.sid, number);

      let stdoutTrailer: string | undefined;
      let stderrDone = false;
      let exited: { exitCode: number | null; signal: string | null } | undefined;
      let settle!: () => void;
      const completion = new Promise<void>((resolve) => (settle = resolve));
      const check = (): void => {
        if ((stdoutTrailer !== undefined && stderrDone) || exited !== undefined) settle();
      };
      // A listener that cannot keep up pauses the transport: the shell blocks on its full pipes instead of its output filling memory.
      const flow = createOutputFlow({ pause: () => live.transport.pause?.(), resume: () => live.transport.resume?.() });
      const outScan = createSentinelScanner(tag, (chunk) => flow.hold(output.write("stdout", chunk)));
      const errScan = createSentinelScanner(tag, (chunk) => flow.hold(output.write("stderr", chunk)));
      live.sink = {
        stdout(chunk) {
          const trailer = outScan.push(chunk);
          if (trailer !== undefined) {
            stdoutTrailer = trailer;
            check();
          }
        },
        stderr(chunk) {
          if (errScan.push(chunk) !== undefined) {
            stderrDone = true;
            check();
          }
        },
        exit(status) {
          exited = status;
          check();
        },
      };

      let stopping: Promise<void> | undefined;
      let resetByStop = false;
      const deadline = watchDeadline({ timeoutMs, signal: execOptions.signal }, () => {
        // Being ended: the sentinels must get through whatever the listener does.
        flow.release();
        stopping = (async () => {
          const signalFirst = live.alive ? { pid: live.pid, signal: "USR1" as const } : undefined;
          // Subshells the command forked carry the shell's (session) marker, not the command's.
          const shellForks = { marker: sessionMarker, comm: commandComm(number), excludePid: live.pid };
          // The shell's own children started during this command are its (commands run one at a time), marker or not.
          const reaperPids = options.orphanReaper === undefined || options.orphanReaper === "shell" ? [live.pid] : [live.pid, options.orphanReaper];
          const adoptedBy = { reaperPids, startedWithinMs: performance.now() - startedAt };
          await options.runKillScript(processTreeKillScript({ marker, graceMs, signalFirst, shellForks, adoptedBy })).catch(() => undefined);
          const reported = await Promise.race([completion.then(() => true), delay(stuckAfterMs).then(() => false)]);
          if (!reported) {
            resetByStop = true;
            await killEverything(live);
          }
        })();
      });

      live.transport.write(
        shellCommandMessage({
          seq: number,
          command,
          marker,
          ...(cwd === undefined ? {} : { cwd }),
          ...(staged === undefined ? {} : { stdinPath: staged.path }),
          ...(execOptions.env === undefined ? {} : { env: execOptions.env }),
        }),
      );
      if (!live.alive && exited === undefined) exited = { exitCode: null, signal: null };
      await completion;
      if (stopping !== undefined) await stopping;
      deadline.dispose();
      // The next command starts unpaused.
      flow.release();
      live.sink = undefined;
      const captured = output.finish();
      const shellEnded = exited !== undefined || resetByStop;
      if (shellEnded) {
        live.alive = false;
        if (shell === live) shell = undefined;
      }
      if (stdoutTrailer === "cwd") {
        throw new BackendError(
          "CWD_NOT_FOUND",
          `Cannot run the command in ${cwd}: the directory does not exist or cannot be entered. Create it or pick another working directory.`,
          { path: cwd },
        );
      }
      const stopped = deadline.reason ?? (closed && !closing && exited !== undefined ? "abort" : undefined);
      const status =
        exited !== undefined && stdoutTrailer === undefined
          ? execStatus(exited.exitCode, exited.signal, stopped)
          : execStatus(Number.parseInt(stdoutTrailer ?? "1", 10), null, stopped);
      return {
        ...status,
        timedOut: stopped === "timeout",
        aborted: stopped === "abort",
        durationMs: performance.now() - startedAt,
        stdout: captured.stdout,
        stderr: captured.stderr,
        ...(shellEnded || lostWhileIdle ? { sessionReset: true } : {}),
      };
    } finally {
      await staged?.release();
    }
  };

  return {
    exec(command, execOptions = {}) {
      const result = queue.then(async () => {
        running++;
        try {
          return await run(command, execOptions);
        } finally {
          running--;
        }
      });
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      if (closed) return;
      // Idle (no command between its start and its result): the shell can end itself; a running command is killed from outside.
      const idle = running === 0;
      closed = true;
      const live = shell;
      if (live !== undefined && !(idle && (await endFromInside(live)))) await killEverything(live);
      await queue;
    },
  };
}

async function openShell(options: ShellSessionProtocolOptions): Promise<LiveShell> {
  const sid = randomBytes(8).toString("hex");
  let stderrText = "";
  let onReady!: (pid: number) => void;
  let onFail!: (error: BackendError) => void;
  const ready = new Promise<number>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  const scanner = createSentinelScanner(readyTag(sid), () => undefined);
  const opening: Sink = {
    stdout(chunk) {
      const trailer = scanner.push(chunk);
      if (trailer !== undefined) onReady(Number.parseInt(trailer, 10));
    },
    stderr(chunk) {
      if (stderrText.length < 4000) stderrText += new TextDecoder().decode(chunk);
    },
    exit(status) {
      const how = status.signal === null ? `exit code ${status.exitCode}` : `signal ${status.signal}`;
      onFail(new BackendError("UNAVAILABLE", `The session shell ended before it was ready (${how})${stderrText ? `: ${stderrText.trim()}` : ""}`));
    },
  };
  const live = { alive: true, sink: opening as Sink | undefined, pid: 0, sid } as LiveShell;
  live.transport = await options.openTransport(
    {
      stdout: (chunk) => live.sink?.stdout(chunk),
      stderr: (chunk) => live.sink?.stderr(chunk),
      exit: (status) => {
        live.alive = false;
        live.sink?.exit(status);
      },
    },
    runMarkerEnv(options.marker),
  );
  live.transport.write(shellInitScript(sid));
  const timeoutMs = options.openTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    live.pid = await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new BackendError("UNAVAILABLE", `The session shell did not start within ${timeoutMs} ms${stderrText ? `: ${stderrText.trim()}` : ""}`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    await live.transport.kill();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  live.sink = undefined;
  return live;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
