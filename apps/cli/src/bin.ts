#!/usr/bin/env node
import { runCli } from "./run-cli.js";

// A reader that goes away (`monoclaw config list | head -1`) is not an error
// worth a stack trace; `exec` also hears it and ends its command (see exec.ts).
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") process.exitCode = 1;
  });
}

const exitCode = await runCli(process.argv);
// Exit explicitly once stdout and stderr are flushed: a backend's idle sockets
// or timers must never keep a finished command alive.
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(exitCode);

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write("", () => resolve());
  });
}
