import Docker from "dockerode";
import { createDockerBackend, type DockerBackend, type DockerBackendOptions } from "./docker-backend.js";

/** The test engine: the local socket (tests also cover discovery and TLS separately). */
export const testDocker = new Docker({ socketPath: "/var/run/docker.sock" });

export const BUSYBOX = "monoclaw-test/busybox:latest";
export const DEBIAN = "monoclaw-test/debian:bookworm";

/**
 * Per-test-file container names: `prefix` must be unique per file so parallel
 * files never touch each other's containers.
 */
export function containerNames(prefix: string, engine: Docker = testDocker) {
  let counter = 0;
  const base = `${prefix}-${process.pid}-`;
  return {
    base,
    next: () => `${base}${++counter}`,
    /** Removes every container (and anonymous volume) of `engine` whose name starts with this file's prefix. */
    async cleanup() {
      const all = await engine.listContainers({ all: true });
      await Promise.all(
        all
          .filter((c) => c.Names.some((n) => n.replace(/^\//, "").startsWith(base)))
          .map((c) =>
            engine
              .getContainer(c.Id)
              .remove({ force: true, v: true })
              .catch(() => undefined),
          ),
      );
    },
  };
}

/** A backend on a local test image with `network: none`, never pulling. */
export function testBackend(name: string, options: DockerBackendOptions = {}): DockerBackend {
  return createDockerBackend({ image: BUSYBOX, network: "none", pull: "never", name, idle_timeout: 0, ...options });
}

/** The command lines of every process in a container, listed by the engine (`docker top`), not by anything inside it. */
export async function containerProcesses(nameOrId: string): Promise<string[]> {
  const top = await testDocker.getContainer(nameOrId).top({ ps_args: "-eo pid,args" });
  const argsIndex = top.Titles.findIndex((title: string) => /COMMAND|ARGS|CMD/i.test(title));
  // The engine answers null while the container has no process (it is stopping or starting).
  return (top.Processes ?? []).map((row: string[]) => row.slice(argsIndex).join(" "));
}

/** The commands of the execs the engine created in a container between two moments (its `exec_create` events). */
export async function execsCreated(nameOrId: string, sinceMs: number, untilMs: number = Date.now()): Promise<string[]> {
  const stream = await testDocker.getEvents({
    since: Math.floor(sinceMs / 1000),
    until: Math.ceil(untilMs / 1000),
    filters: { container: [nameOrId], event: ["exec_create"] },
  });
  let raw = "";
  for await (const chunk of stream) raw += chunk.toString();
  return raw
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { Action: string; timeNano: number })
    .filter((event) => event.timeNano >= sinceMs * 1e6)
    .map((event) => event.Action.replace(/^exec_create: /, "").slice(0, 60));
}

/** Polls `condition` until it holds or `timeoutMs` passes (no fixed sleeps in tests). */
export async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 30_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8");
