import type { Command } from "commander";
import type { EgressRecord } from "@monoclaw/backend-docker";
import type { CliContext } from "../cli-context.js";
import { CliError } from "../cli-error.js";
import { configuredDockerBackend, dockerPackage } from "./sandbox-backend.js";

/**
 * `monoclaw sandbox egress [NAME] [--follow] [--json]`: what a sandbox with
 * `network: allowlist` tried to reach and what its egress proxy decided,
 * from the proxy's log kept by the engine (the sandbox cannot write it).
 */
export function registerSandboxEgressCommand(sandbox: Command, context: CliContext): void {
  sandbox
    .command("egress")
    .description("show what this project's sandbox (or NAME) tried to reach with network: allowlist, and what was allowed or refused")
    .argument("[name]", "sandbox container name (see sandbox ls); default this project's")
    .option("-f, --follow", "keep printing new decisions until interrupted")
    .option("--json", "print each record as one JSON line")
    .action(async (name: string | undefined, options: { follow?: boolean; json?: boolean }) => {
      const backend = await configuredDockerBackend(context);
      const sandboxName = name ?? backend.containerName;
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        const { docker } = await backend.engine();
        const { formatEgressRecord, readEgressLog } = await dockerPackage();
        const print = (record: EgressRecord) => context.stdout.write(`${options.json === true ? JSON.stringify(record) : formatEgressRecord(record)}\n`);
        const found = await readEgressLog(docker, sandboxName, { follow: options.follow === true, signal: abort.signal, onRecord: print });
        if (!found) {
          throw new CliError(
            `${sandboxName} has no egress proxy: its network is not allowlist, or it has not run a command yet (monoclaw config set terminal.docker.network allowlist)`,
          );
        }
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        await backend.dispose();
      }
    });
}
