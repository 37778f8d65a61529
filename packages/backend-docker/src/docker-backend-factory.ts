import type { BackendFactory } from "@monoclaw/core/backend";
import { createWarmPoolKeeper, type WarmPoolKeeper } from "./container/warm-pool-keeper.js";
import { createDockerBackend } from "./docker-backend.js";
import { dockerConfigSchema, type DockerConfig } from "./docker-config.js";
import { createProgressPrinter } from "./image/progress-printer.js";

/** Turns printer text (lines ending in \n) into one `log` call per line. */
function lineWriter(log: (message: string) => void): (text: string) => void {
  let pending = "";
  return (text) => {
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) log(line);
    }
  };
}

/** The warm pool this process holds for the session backends the factory creates, until `release`. */
let processKeeper: WarmPoolKeeper | undefined;

/**
 * `terminal.backend: docker`. The app validates `terminal.docker` with
 * `configSchema` and calls `create`, which does no I/O: the engine is found and
 * the container created or reused on the first command. With `scope: session`
 * and `warm_pool`, the sessions it creates in one process share the members
 * that process holds (a new session, e.g. the CLI's `/new`, claims one with
 * its shell open); `release` pauses the unclaimed ones for the next process.
 */
export const dockerBackendFactory: BackendFactory<DockerConfig> = {
  name: "docker",
  description: "Runs commands in a hardened Docker container (Engine API; network, volumes and limits from terminal.docker)",
  configSchema: dockerConfigSchema,
  create(config, context) {
    return createDockerBackend({
      ...config,
      cwd: context.terminal.cwd,
      timeoutMs: context.terminal.timeoutMs,
      hostEnv: context.env,
      ...(context.session ? { session: context.session } : {}),
      ...(config.scope === "session" && config.warm_pool > 0 ? { warmPoolKeeper: (processKeeper ??= createWarmPoolKeeper()) } : {}),
      ...(context.log ? { log: context.log, onPullProgress: createProgressPrinter(lineWriter(context.log), false) } : {}),
    });
  },
  async release() {
    const keeper = processKeeper;
    processKeeper = undefined;
    await keeper?.close();
  },
};
