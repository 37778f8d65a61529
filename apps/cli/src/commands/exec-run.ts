import { unlink } from "node:fs/promises";
import { BackendError, ownerRunMarker, RUN_MARKER_VARIABLE, secondsToTimerMs, sweepOrphanedCommands, type ExecResult } from "@monoclaw/core/backend";
import { createConfiguredBackend } from "@monoclaw/core/config";
import type { CliContext } from "../cli-context.js";
import { CliError, EXIT_USAGE } from "../cli-error.js";
import { loadCliConfig } from "../load-cli-config.js";
import { readAll } from "../read-all.js";
import type { ExecCommandOptions } from "./exec.js";

/** Exit code when monoclaw itself could not run the command (backend unavailable), as `docker run` and `timeout(1)` do. */
export const EXIT_BACKEND_FAILED = 125;

/** How long the captured copy of the output may grow: exec streams everything live, so keep little. */
const CAPTURE_BYTES = 64 * 1024;

/** The exit code a process ended by `signal` reports in a shell (128 + its number). */
const SIGNAL_EXIT_CODES: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGPIPE: 141, SIGTERM: 143 };

/**
 * Runs one command and returns the exit code to leave with. The backend is
 * always disposed before this resolves. SIGINT, SIGTERM and SIGHUP abort the
 * command (the backend ends its whole process tree); a second SIGINT while
 * the backend is still cleaning up leaves at once. When stdout or stderr
 * breaks (the reader exited), the command is ended too and 141 returned.
 */
export async function runExec(context: CliContext, command: string, options: ExecCommandOptions, outcome: { unreadOutput: boolean }): Promise<number> {
  if (command.trim() === "") throw new CliError("no command given; usage: monoclaw exec -- <command...>", { exitCode: EXIT_USAGE });
  const loaded = await loadCliConfig(context);
  const stdin = options.stdin === true ? await readAll(process.stdin) : undefined;
  // Commands carry our pid and start time in their marker, so a monoclaw killed with SIGKILL leaves trees the next one can recognise and end.
  await sweepOrphanedCommands();
  process.env[RUN_MARKER_VARIABLE] ??= ownerRunMarker();
  const backend = createConfiguredBackend(loaded.config, context.backendFactories, {
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    env: context.env,
    log: (message) => context.stderr.write(`monoclaw: ${message}\n`),
  });

  const controller = new AbortController();
  let abortedBy: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (abortedBy === "SIGINT" && signal === "SIGINT") process.exit(SIGNAL_EXIT_CODES.SIGINT);
    abortedBy ??= signal;
    controller.abort();
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, onSignal);
  // Whoever reads our output went away (`monoclaw exec -- yes | head`): end the command as SIGPIPE would.
  const onOutputError = () => onSignal("SIGPIPE");
  for (const stream of [context.stdout, context.stderr]) stream.on("error", onOutputError);

  const drains = new Map<NodeJS.WritableStream, Promise<void>>();
  let result: ExecResult;
  try {
    result = await backend
      .exec(command, {
        signal: controller.signal,
        maxOutputBytes: CAPTURE_BYTES,
        // Everything was streamed to our stdout and stderr: no copy on disk.
        maxSpillBytes: 0,
        // A slow reader holds the command back (its pipe fills and it waits) instead of the output piling up in our memory.
        onOutput: (stream, chunk) => {
          if (controller.signal.aborted) return undefined;
          const target = stream === "stdout" ? context.stdout : context.stderr;
          if (target.write(chunk)) return undefined;
          // One wait per stream however many chunks arrive while it is full (a Docker stream delivers several frames at once).
          let waiting = drains.get(target);
          if (waiting === undefined) {
            waiting = drained(target, controller.signal).finally(() => drains.delete(target));
            drains.set(target, waiting);
          }
          return waiting;
        },
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        ...(options.timeout === undefined ? {} : { timeoutMs: secondsToTimerMs(options.timeout) }),
        ...(stdin === undefined ? {} : { stdin }),
      })
      .catch(explainBackendError);
  } finally {
    await backend.dispose();
    for (const signal of signals) process.off(signal, onSignal);
    for (const stream of [context.stdout, context.stderr]) stream.off("error", onOutputError);
  }
  await removeSpillFiles(result);
  // A command ended for taking too long must not leave us waiting on a reader that never reads what is still buffered.
  if (result.timedOut || result.aborted) {
    const flushed = await Promise.all([context.stdout, context.stderr].map((stream) => flushedWithin(stream, UNREAD_GRACE_MS)));
    outcome.unreadOutput = flushed.includes(false);
  }

  if (result.timedOut) {
    const seconds = options.timeout ?? loaded.config.terminal.timeout;
    context.stderr.write(
      `monoclaw: the command timed out after ${seconds} s and was ended (set a longer one with --timeout or \`monoclaw config set terminal.timeout <seconds>\`)\n`,
    );
    return result.exitCode;
  }
  if (result.aborted) return SIGNAL_EXIT_CODES[abortedBy ?? "SIGINT"] ?? result.exitCode;
  return result.exitCode;
}

/** How long an ended command's last buffered output waits for its reader before monoclaw exits without it. */
const UNREAD_GRACE_MS = 1000;

/** Whether `stream`'s buffered bytes were taken by its reader within `graceMs`. */
async function flushedWithin(stream: NodeJS.WritableStream, graceMs: number): Promise<boolean> {
  if (((stream as { writableLength?: number }).writableLength ?? 0) === 0) return true;
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), graceMs);
    stream.once("drain", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Resolves once `target` has drained its buffer, or closed, or the command is being ended. */
function drained(target: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      target.off("drain", done);
      target.off("close", done);
      target.off("error", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    target.once("drain", done);
    target.once("close", done);
    target.once("error", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** A backend that could not start the command: exit 2 for a bad `--cwd`, 125 otherwise. */
function explainBackendError(error: unknown): never {
  if (error instanceof BackendError) {
    const usage = error.code === "CWD_NOT_FOUND" || error.code === "INVALID";
    throw new CliError(error.message, { exitCode: usage ? EXIT_USAGE : EXIT_BACKEND_FAILED, cause: error });
  }
  throw error;
}

/** Output was streamed live; the spilled copy of a long output is ours to delete. */
async function removeSpillFiles(result: ExecResult): Promise<void> {
  for (const output of [result.stdout, result.stderr]) {
    if (output.spillPath !== undefined) await unlink(output.spillPath).catch(() => undefined);
  }
}
