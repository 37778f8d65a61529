// The 100 MiB output measurement shared by the container benchmarks: what
// produces the bytes in the container, and reading them from a spawned CLI.
import { spawn } from "node:child_process";

/** 100 MiB. */
export const OUTPUT_BYTES = 100 * 1024 * 1024;

// busybox `head -c` reads in small blocks and alone manages about 270 MB/s here,
// so it would measure itself: `dd` with 64 KiB blocks writes the same bytes faster.
/** argv that writes OUTPUT_BYTES zero bytes to stdout. */
export const PRODUCE_OUTPUT = ["dd", "if=/dev/zero", "bs=65536", `count=${OUTPUT_BYTES / 65536}`];

/** MB/s (10^6 bytes) of OUTPUT_BYTES moved in `milliseconds`. */
export const megabytesPerSecond = (milliseconds) => OUTPUT_BYTES / 1e6 / (milliseconds / 1000);

/** Spawns a CLI that should print OUTPUT_BYTES on stdout (e.g. `docker exec NAME dd ...`), reads them all from its pipe. */
export const readSpawnedOutput = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "ignore"] });
    let bytes = 0;
    child.stdout.on("data", (chunk) => (bytes += chunk.length));
    child.on("error", reject);
    child.on("close", () =>
      bytes === OUTPUT_BYTES ? resolve() : reject(new Error(`${command} ${args.join(" ")}: ${bytes} bytes of output, expected ${OUTPUT_BYTES}`)),
    );
  });
