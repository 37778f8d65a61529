#!/usr/bin/env node
import { runCli } from "./run-cli.js";

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
