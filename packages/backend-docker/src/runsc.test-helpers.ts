import { Writable } from "node:stream";
import type { BackendConformanceOptions } from "@monoclaw/core/testing";
import type { DockerBackend, DockerBackendOptions } from "./docker-backend.js";
import { dockerConformanceOptions } from "./docker-conformance.test-helpers.js";
import { testDocker } from "./docker.test-helpers.js";

/**
 * The conformance options under runsc. What a disposed backend left is
 * listed by the test's own exec through the engine, not by `docker top`:
 * under gVisor the runtime reports the sandbox's own pids (1, 2, ...) and
 * the engine shows the HOST's processes that have those numbers (on this
 * machine the VM's init and kernel threads), so `docker top` would never
 * see a leftover `sleep`.
 */
export function runscConformanceOptions(nextName: () => string, options: DockerBackendOptions): BackendConformanceOptions {
  return {
    ...dockerConformanceOptions(nextName, { ...options, runtime: "runsc" }),
    async processesLeftAfterDispose(disposed, n) {
      const name = (disposed as DockerBackend).containerName;
      const info = await testDocker
        .getContainer(name)
        .inspect()
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode === 404) return undefined;
          throw error;
        });
      if (info === undefined || !info.State.Running) return [];
      return sandboxProcessesWithArgument(name, n);
    },
  };
}

/** Command lines of the processes in a running container that have `n` as a whole argument, read from its /proc by one exec. */
export async function sandboxProcessesWithArgument(name: string, n: number): Promise<string[]> {
  const exec = await testDocker.getContainer(name).exec({
    Cmd: ["/bin/sh", "-c", `for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f" 2>/dev/null; echo; done`],
    AttachStdout: true,
    AttachStderr: false,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  testDocker.modem.demuxStream(stream, stdout, process.stderr);
  await new Promise((resolve) => stream.on("end", resolve));
  return Buffer.concat(chunks)
    .toString("utf8")
    .split("\n")
    .filter((line) => line.trim().split(/\s+/).includes(String(n)));
}
