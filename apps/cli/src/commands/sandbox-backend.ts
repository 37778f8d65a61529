import type { DockerBackend, DockerConfig } from "@monoclaw/backend-docker";
import type { CliContext } from "../cli-context.js";
import { loadCliConfig } from "../load-cli-config.js";

/**
 * The Docker backend package, loaded when a command that speaks to the engine
 * runs: `monoclaw --help`, `exec` on the host and `config` never load it.
 */
export function dockerPackage(): Promise<typeof import("@monoclaw/backend-docker")> {
  return import("@monoclaw/backend-docker");
}

/**
 * The Docker backend as the config file describes it (`terminal.docker`,
 * `terminal.cwd`), whatever `terminal.backend` says: `sandbox` and `image`
 * commands always speak about Docker. Creating it does no I/O.
 */
export async function configuredDockerBackend(context: CliContext): Promise<DockerBackend> {
  const [loaded, { createDockerBackend, createProgressPrinter }] = await Promise.all([loadCliConfig(context), dockerPackage()]);
  const section = (loaded.config.terminal as Record<string, unknown>).docker as DockerConfig | undefined;
  return createDockerBackend({
    ...(section ?? {}),
    cwd: loaded.config.terminal.cwd,
    timeoutMs: Math.round(loaded.config.terminal.timeout * 1000),
    hostEnv: context.env,
    log: (message) => context.stderr.write(`monoclaw: ${message}\n`),
    // A bar on a terminal, plain lines otherwise.
    onPullProgress: createProgressPrinter((text) => context.stderr.write(text), context.stderr.isTTY === true),
  });
}
