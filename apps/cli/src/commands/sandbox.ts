import type { Command } from "commander";
import type { DockerBackend, EngineConnection, ManagedContainerSummary } from "@monoclaw/backend-docker";
import type { CliContext } from "../cli-context.js";
import { CliError, EXIT_USAGE } from "../cli-error.js";
import { configuredDockerBackend, dockerPackage } from "./sandbox-backend.js";
import { registerSandboxEgressCommand } from "./sandbox-egress.js";

/**
 * `monoclaw sandbox ls | stop | rm | prune | shell`: the containers MonoClaw
 * created (found by its `dev.monoclaw.managed-by` label). A container without
 * that label is never stopped or removed, even when named explicitly; an
 * attached container (`terminal.docker.container`) is only shelled into.
 */
export function registerSandboxCommand(program: Command, context: CliContext): void {
  const sandbox = program
    .command("sandbox")
    .summary("list, stop, remove or open a shell in MonoClaw's Docker containers")
    .description(
      "Manages the containers the Docker backend created (one per project directory, labelled " +
        "dev.monoclaw.managed-by=monoclaw). Containers without that label are never touched.",
    );

  sandbox
    .command("ls")
    .alias("list")
    .description("list MonoClaw's containers (scope, what each serves, age, state); * marks this project's")
    .option("--json", "print them as JSON")
    .action(async (options: { json?: boolean }) => {
      await withBackend(context, async (backend) => {
        const { docker } = await backend.engine();
        const { listManagedContainers } = await dockerPackage();
        const containers = await listManagedContainers(docker);
        if (options.json === true) {
          context.stdout.write(
            `${JSON.stringify(
              containers.map((c) => ({ ...c, current: c.name === backend.containerName })),
              null,
              2,
            )}\n`,
          );
          return;
        }
        if (containers.length === 0) {
          context.stdout.write("No MonoClaw containers.\n");
          return;
        }
        context.stdout.write(formatTable(containers, backend.containerName));
      });
    });

  registerPerContainerCommand(
    sandbox.command("stop").description("stop this project's container, the named ones, or --all of MonoClaw's (they are reused next time)"),
    context,
    async (docker, container) => {
      if (container.state !== "running" && container.state !== "paused") return `already ${container.state}`;
      await docker
        .getContainer(container.id)
        .stop({ t: 2 })
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 304 && error.statusCode !== 404) throw error;
        });
      return "stopped";
    },
  );

  registerPerContainerCommand(
    sandbox.command("rm").alias("remove").description("remove this project's container, the named ones, or --all of MonoClaw's (running ones too)"),
    context,
    async (docker, container) => {
      const { removeManaged } = await dockerPackage();
      return (await removeManaged(docker, container.id)) ? "removed" : "already gone";
    },
  );

  sandbox
    .command("prune")
    .description("remove every stopped MonoClaw container (running ones are left alone)")
    .action(async () => {
      await withBackend(context, async (backend) => {
        const { docker } = await backend.engine();
        const { listManagedContainers, removeManaged } = await dockerPackage();
        const stopped = (await listManagedContainers(docker)).filter((c) => c.state !== "running" && c.state !== "paused" && c.state !== "restarting");
        if (stopped.length === 0) {
          context.stdout.write("Nothing to prune.\n");
          return;
        }
        for (const container of stopped) {
          if (await removeManaged(docker, container.id)) context.stdout.write(`${container.name}: removed\n`);
        }
      });
    });

  registerSandboxEgressCommand(sandbox, context);

  sandbox
    .command("shell")
    .description("open an interactive shell in this project's container (created or started if needed)")
    .action(async () => {
      await withBackend(context, async (backend) => {
        process.exitCode = await backend.interactiveShell({ stdin: process.stdin, stdout: context.stdout, stderr: context.stderr });
      });
    });
}

/**
 * Completes `command` (stop or rm) as one that applies `apply` to this
 * project's container, the named ones, or --all of MonoClaw's (see
 * selectContainers), printing `<name>: <what apply returned>` for each.
 */
function registerPerContainerCommand(
  command: Command,
  context: CliContext,
  apply: (docker: EngineConnection["docker"], container: ManagedContainerSummary) => Promise<string>,
): void {
  command
    .argument("[names...]", "container names (see sandbox ls)")
    .option("-a, --all", "every MonoClaw container")
    .action(async (names: string[], options: { all?: boolean }) => {
      await withBackend(context, async (backend) => {
        const { docker } = await backend.engine();
        for (const container of await selectContainers(backend, names, options.all === true)) {
          context.stdout.write(`${container.name}: ${await apply(docker, container)}\n`);
        }
      });
    });
}

/** Runs `action` with the configured Docker backend, then disposes it (which stops the container unless keep_warm, as any run does). */
async function withBackend(context: CliContext, action: (backend: DockerBackend) => Promise<void>): Promise<void> {
  const backend = await configuredDockerBackend(context);
  try {
    await action(backend);
  } finally {
    await backend.dispose();
  }
}

/** The containers a stop/rm applies to: --all, the named ones (each must be ours), or this project's. */
async function selectContainers(backend: DockerBackend, names: string[], all: boolean): Promise<ManagedContainerSummary[]> {
  if (all && names.length > 0) throw new CliError("give container names or --all, not both", { exitCode: EXIT_USAGE });
  const { docker } = await backend.engine();
  const { listManagedContainers } = await dockerPackage();
  const ours = await listManagedContainers(docker);
  if (all) return ours;
  if (names.length === 0) {
    if (backend.config.container !== undefined) {
      throw new CliError(`terminal.docker.container is set: ${backend.config.container} is yours, MonoClaw does not stop or remove it`);
    }
    if (backend.config.scope === "session") {
      throw new CliError(
        "terminal.docker.scope is session: each session has its own container, so there is no project container; name one (see monoclaw sandbox ls) or use --all",
        {
          exitCode: EXIT_USAGE,
        },
      );
    }
    const current = ours.find((c) => c.name === backend.containerName);
    if (!current) throw new CliError(`this project has no container yet (${backend.containerName}); see monoclaw sandbox ls`);
    return [current];
  }
  return names.map((name) => {
    const found = ours.find((c) => c.name === name || c.id.startsWith(name));
    if (!found) throw new CliError(`${name} is not a MonoClaw container (no dev.monoclaw.managed-by label), so it is left alone; see monoclaw sandbox ls`);
    return found;
  });
}

function formatTable(containers: ManagedContainerSummary[], current: string): string {
  const rows = [
    ["", "NAME", "STATE", "SCOPE", "POOL", "IMAGE", "CREATED", "WARM", "FOR"],
    ...containers.map((c) => [
      c.name === current ? "*" : "",
      c.name,
      c.status || c.state,
      c.scopeKind,
      poolColumn(c),
      c.image,
      ago(c.createdAt),
      c.keepWarm ? "yes" : "no",
      servedBy(c),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}

/** `waiting`: a warm-pool member nobody claimed yet; `claimed`: a session's container that came from the pool. */
function poolColumn(container: ManagedContainerSummary): string {
  if (!container.fromPool) return "-";
  return container.name.startsWith("monoclaw-pool-") ? "waiting" : "claimed";
}

/** What a container serves: its session or channel id, its directory, or everyone with these settings (`shared`). */
function servedBy(container: ManagedContainerSummary): string {
  if (container.fromPool && container.name.startsWith("monoclaw-pool-")) return "(the next session)";
  if (container.scopeKind === "shared") return "(these settings)";
  if (container.scopeId !== undefined) return container.scopeKind === "channel" ? `${container.scopeId} (${container.scope})` : container.scopeId;
  return container.scope;
}

function ago(date: Date): string {
  const seconds = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
  if (seconds < 90) return `${seconds}s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 129600) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}
