import { isBackendError, parseConfigDocument, readConfigText, type LoadedConfig } from "@monoclaw/core";
import { connectEngine, ensureImage, parseDockerConfig, processDiscoveryEnvironment, type DockerConfig } from "@monoclaw/backend-docker";
import { MomStartupError } from "../cli/mom-startup-error.js";
import { createChannelSandboxes, type ChannelSandboxes } from "./channel-sandboxes.js";

/** The image of channel containers when neither `--sandbox=docker-per-channel:<image>` nor `terminal.docker.image` names one (the one `docker.sh` uses). */
export const DEFAULT_CHANNEL_IMAGE = "alpine:latest";

export interface OpenChannelSandboxesOptions {
  /** The image given on the command line, if any. */
  image?: string;
  /** Canonical host path of the data directory. */
  dataDir: string;
  /** The loaded config.yaml (its `terminal.docker` section). */
  config: LoadedConfig;
  /** The environment used to find the Docker engine (DOCKER_HOST...). */
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
  log: (message: string) => void;
}

/**
 * Prepares `--sandbox=docker-per-channel`: reaches the engine and makes sure
 * the image is there (pulled as `terminal.docker.pull` says) before mom
 * connects to Slack, so a wrong setting is a start-up error with its fix,
 * not a failed first run. Containers themselves are made on each channel's
 * first command.
 */
export async function openChannelSandboxes(options: OpenChannelSandboxesOptions): Promise<{ sandboxes: ChannelSandboxes; image: string }> {
  const where = "--sandbox=docker-per-channel";
  if (/[:,]/.test(options.dataDir)) {
    throw new MomStartupError(
      `${where}: the data directory ${options.dataDir} contains ':' or ',', which a Docker bind mount cannot carry. Move it to a path without them.`,
    );
  }
  const docker = (options.config.config.terminal.docker as DockerConfig | undefined) ?? parseDockerConfig({});
  const image = options.image ?? ((await imageSetInConfig(options.config.file)) ? docker.image : DEFAULT_CHANNEL_IMAGE);
  let engine;
  try {
    engine = await connectEngine(processDiscoveryEnvironment(options.env, docker.host));
  } catch (error) {
    throw new MomStartupError(`${where}: ${isBackendError(error) ? error.message : String(error)}`);
  }
  try {
    await ensureImage(engine.docker, image, docker.pull);
  } catch (error) {
    throw new MomStartupError(`${where}: image ${image}: ${(error as Error).message}`);
  }
  const sandboxes = createChannelSandboxes({ dataDir: options.dataDir, docker, image, engine, timeoutMs: options.timeoutMs, log: options.log });
  return { sandboxes, image };
}

/** Whether config.yaml itself sets `terminal.docker.image` (the parsed config always has one: the CLI's default). */
async function imageSetInConfig(file: string): Promise<boolean> {
  const text = await readConfigText(file);
  if (text === undefined) return false;
  return parseConfigDocument(text, file).doc.hasIn(["terminal", "docker", "image"]);
}
