import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { DEFAULT_IMAGE_TAG } from "@monoclaw/backend-docker/factory";
import { isBackendError } from "@monoclaw/core/backend";
import type { CliContext } from "../cli-context.js";
import { CliError, EXIT_USAGE } from "../cli-error.js";
import { configuredDockerBackend, dockerPackage } from "./sandbox-backend.js";

interface ImageBuildOptions {
  file?: string;
  tag: string;
  buildArg: string[];
}

/**
 * `monoclaw image build [-f FILE] [-t TAG] [CONTEXT]`: builds a custom
 * environment image through the Engine API of the configured engine, with
 * progress. Without -f it uses CONTEXT/Dockerfile.monoclaw, else the
 * built-in one (git, python3, node, ripgrep, ffmpeg, build tools).
 */
export function registerImageCommand(program: Command, context: CliContext): void {
  const image = program.command("image").summary("build custom environment images for the Docker backend");
  image
    .command("build")
    .description(
      "Builds an image for terminal.docker.image through the Docker Engine API (no docker CLI needed), " +
        "showing progress. Without -f, CONTEXT/Dockerfile.monoclaw is used when present, else MonoClaw's " +
        "built-in Dockerfile.monoclaw (ubuntu:24.04 with git, python3, nodejs, ripgrep, ffmpeg, build tools).",
    )
    .argument("[context]", "build context directory", ".")
    .option("-f, --file <path>", "the Dockerfile (default: CONTEXT/Dockerfile.monoclaw, else the built-in one)")
    .option("-t, --tag <name>", "image name and tag", DEFAULT_IMAGE_TAG)
    .option("--build-arg <name=value>", "a build argument (repeatable)", (value: string, all: string[]) => [...all, value], [] as string[])
    .addHelpText("after", "\nThen use it:\n  monoclaw config set terminal.docker.image monoclaw-env:latest\n")
    .action(async (contextArg: string, options: ImageBuildOptions) => {
      const contextDir = resolve(context.startDir, contextArg);
      if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) {
        throw new CliError(`build context ${contextDir} is not a directory`, { exitCode: EXIT_USAGE });
      }
      const { dockerfile, source } = await readDockerfile(contextDir, options.file, context.startDir);
      const buildArgs: Record<string, string> = {};
      for (const entry of options.buildArg) {
        const at = entry.indexOf("=");
        if (at <= 0) throw new CliError(`--build-arg ${entry}: write it as NAME=VALUE`, { exitCode: EXIT_USAGE });
        buildArgs[entry.slice(0, at)] = entry.slice(at + 1);
      }
      const backend = await configuredDockerBackend(context);
      try {
        const { docker } = await backend.engine().catch((error: unknown) => {
          throw new CliError((error as Error).message);
        });
        const { buildImage, createProgressPrinter } = await dockerPackage();
        context.stderr.write(`Building ${options.tag} from ${source} (context ${contextDir})\n`);
        await buildImage(docker, {
          contextDir,
          dockerfile,
          tag: options.tag,
          buildArgs,
          onProgress: createProgressPrinter((text) => context.stderr.write(text), context.stderr.isTTY === true),
        }).catch((error: unknown) => {
          throw isBackendError(error) ? new CliError(error.message) : error;
        });
        context.stdout.write(`Built ${options.tag}. Use it with: monoclaw config set terminal.docker.image ${options.tag}\n`);
      } finally {
        await backend.dispose();
      }
    });
}

async function readDockerfile(contextDir: string, file: string | undefined, startDir: string): Promise<{ dockerfile: string; source: string }> {
  if (file !== undefined) {
    const path = resolve(startDir, file);
    try {
      return { dockerfile: readFileSync(path, "utf8"), source: path };
    } catch {
      throw new CliError(`cannot read the Dockerfile ${path}; check -f`, { exitCode: EXIT_USAGE });
    }
  }
  const [{ ConfinedDir, isNotFoundError }, { MONOCLAW_DOCKERFILE }] = await Promise.all([import("@monoclaw/core"), dockerPackage()]);
  // The context may be a workspace a container writes: its Dockerfile.monoclaw is never read through a link.
  const local = resolve(contextDir, "Dockerfile.monoclaw");
  try {
    const read = await new ConfinedDir(realpathSync(contextDir), { label: "the build context" }).readFile("Dockerfile.monoclaw", { maxBytes: 1024 * 1024 });
    return { dockerfile: read.bytes.toString("utf8"), source: local };
  } catch (error) {
    if (!isNotFoundError(error)) throw new CliError(`cannot use ${local}: ${(error as Error).message}; or pass -f`, { exitCode: EXIT_USAGE });
  }
  return { dockerfile: MONOCLAW_DOCKERFILE, source: "the built-in Dockerfile.monoclaw" };
}
