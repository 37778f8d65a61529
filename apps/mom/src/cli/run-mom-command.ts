import { MomStartupError } from "./mom-startup-error.js";
import { startMom } from "./start-mom.js";

/**
 * Longest wait for a stop (runs aborted, Slack's grace, sandbox released)
 * before mom gives up waiting and exits 1. The parts are bounded on their
 * own (Slack 2.5 s, an aborted command within 5 s): this only catches a bug.
 */
export const STOP_LIMIT_MS = 15_000;

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * The `mom` command: starts mom and runs until SIGINT or SIGTERM, then stops
 * within seconds whatever Slack does (running commands are ended, in the
 * container too; Slack gets a short grace for the last posts). A second
 * signal exits at once (128 + its number). Startup problems print one line,
 * `mom: <what and how to fix>`, and return 1.
 */
export async function runMomCommand(argv: readonly string[]): Promise<number> {
  const io = {
    out: (text: string) => void process.stdout.write(text),
    err: (text: string) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
  let running;
  try {
    running = await startMom(argv, io);
  } catch (error) {
    if (error instanceof MomStartupError) {
      io.err(`mom: ${error.message}\n`);
      return 1;
    }
    io.err(`mom: unexpected error while starting: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if ("exit" in running) return running.exit;
  const mom = running;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: keyof typeof SIGNAL_EXIT_CODES) => {
      if (stopping) {
        io.err(`mom: ${signal} received again, exiting now\n`);
        process.exit(SIGNAL_EXIT_CODES[signal]);
      }
      stopping = true;
      io.err(`mom: ${signal} received, stopping… (send it again to exit at once)\n`);
      const limit = setTimeout(() => {
        io.err(`mom: stopping took longer than ${STOP_LIMIT_MS / 1000} s; exiting without waiting\n`);
        resolve(1);
      }, STOP_LIMIT_MS);
      limit.unref();
      void mom
        .stop()
        .catch((error: unknown) => io.err(`mom: error while stopping: ${error instanceof Error ? error.message : String(error)}\n`))
        .finally(() => {
          clearTimeout(limit);
          resolve(0);
        });
    };
    process.on("SIGINT", () => onSignal("SIGINT"));
    process.on("SIGTERM", () => onSignal("SIGTERM"));
  });
}
