import { MomStartupError } from "./mom-startup-error.js";
import { startMom } from "./start-mom.js";

/**
 * The `mom` command: starts mom and runs until SIGINT or SIGTERM, then stops
 * cleanly (running commands are ended, in the container too). Startup
 * problems print one line, `mom: <what and how to fix>`, and return 1.
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
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      io.err(`mom: ${signal} received, stopping…\n`);
      void mom.stop().finally(resolve);
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
  return 0;
}
