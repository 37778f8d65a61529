#!/usr/bin/env node
// Start-up is most of what a short `monoclaw` command costs, so this file
// loads nothing heavy itself: `--version` is answered from package.json, and
// everything else (commander, the config loader, the command that runs)
// is imported only after the compile cache is on.
import { enableCompileCache } from "./compile-cache.js";
import { cliVersion } from "./version.js";

// A reader that goes away (`monoclaw config list | head -1`) is not an error
// worth a stack trace; `exec` also hears it and ends its command (see exec-run.ts).
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") process.exitCode = 1;
  });
}

const exitCode = isVersionRequest(process.argv) ? printVersion() : await runFullCli();
// Exit explicitly once stdout and stderr are flushed: a backend's idle sockets
// or timers must never keep a finished command alive.
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(exitCode);

/** `monoclaw --version` or `monoclaw -V` alone, which commander would answer the same way. */
function isVersionRequest(argv: readonly string[]): boolean {
  return argv.length === 3 && (argv[2] === "--version" || argv[2] === "-V");
}

function printVersion(): number {
  process.stdout.write(`${cliVersion}\n`);
  return 0;
}

async function runFullCli(): Promise<number> {
  enableCompileCache();
  const { runCli } = await import("./run-cli.js");
  return runCli(process.argv);
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write("", () => resolve());
  });
}
