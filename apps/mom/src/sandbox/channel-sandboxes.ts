import { createHash } from "node:crypto";
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { BackendError } from "@monoclaw/core";
import { createDockerBackend, type DockerBackend, type DockerConfig, type DockerConfigInput, type EngineConnection } from "@monoclaw/backend-docker";
import { isChannelId } from "../store/data-dir.js";
import { SHARED_SKILLS_PATH } from "./workspace-view.js";

/** Where a channel container sees its own channel directory. */
export const CHANNEL_WORKSPACE = "/workspace";

export interface ChannelSandboxesOptions {
  /** Absolute, canonical host path of the data directory. */
  dataDir: string;
  /** `terminal.docker` as the config loader parsed it (defaults filled in). */
  docker: DockerConfig;
  /** The image every channel container runs. */
  image: string;
  engine: EngineConnection;
  /** Default per-command timeout. */
  timeoutMs: number;
  log: (message: string) => void;
}

/** mom's containers, one per channel (a DM channel belongs to one user, so per user for DMs). */
export interface ChannelSandboxes {
  /** The backend of a channel's own container (created on its first command, started again after an idle stop). */
  backendFor(channelId: string): Promise<DockerBackend>;
  /** The container name of a channel. */
  containerName(channelId: string): string;
  /** Ends every channel's shells and stops their containers (unless keep_warm); files stay in the data directory. */
  dispose(): Promise<void>;
}

/**
 * One hardened managed container per Slack channel, each mounting only that
 * channel's directory `<data>/<channel>` at /workspace and the data
 * directory's `skills/` read-only at /skills. Built from `terminal.docker`
 * (image, pull, network, limits, user, env, read-only root, idle timeout,
 * max_age), less the keys that would let one channel reach another's files or
 * the host's secrets: `volumes` and `forward_env` are not used, `container`
 * (attach mode) does not apply.
 *
 * Container management is the Docker backend's managed mode (deterministic
 * name `mom-<hash of the data dir>-<channel>`, our labels with scope
 * `channel`, config-hash replacement, recreate-and-retry, idle stop, reaper).
 */
export function createChannelSandboxes(options: ChannelSandboxesOptions): ChannelSandboxes {
  const backends = new Map<string, Promise<DockerBackend>>();
  const dataHash = createHash("sha256").update(options.dataDir).digest("hex").slice(0, 12);
  const skillsDir = join(options.dataDir, "skills");
  let disposed = false;

  const containerName = (channelId: string) => `mom-${dataHash}-${channelId}`;

  const open = async (channelId: string): Promise<DockerBackend> => {
    const channelDir = join(options.dataDir, channelId);
    // A bind mount follows symlinks: a channel directory (or skills/) that is one could mount anything, another channel's directory included.
    await assertRealDirectory(channelDir, `the directory of channel ${channelId}`);
    await assertRealDirectory(skillsDir, "the shared skills directory");
    return createDockerBackend({
      ...channelSettings(options.docker, options.image),
      volumes: [`${channelDir}:${CHANNEL_WORKSPACE}`, `${skillsDir}:${SHARED_SKILLS_PATH}:ro`],
      name: containerName(channelId),
      cwd: channelDir,
      scopeOf: { kind: "channel", id: channelId },
      engine: options.engine,
      hostEnv: {},
      timeoutMs: options.timeoutMs,
      log: options.log,
    });
  };

  return {
    containerName,
    backendFor(channelId) {
      if (disposed) return Promise.reject(new BackendError("UNAVAILABLE", "mom is shutting down; the channel sandboxes are closed"));
      if (!isChannelId(channelId)) return Promise.reject(new BackendError("INVALID", `not a Slack channel id: ${JSON.stringify(channelId)}`));
      let backend = backends.get(channelId);
      if (!backend) {
        backend = open(channelId).catch((error: unknown) => {
          backends.delete(channelId);
          throw error;
        });
        backends.set(channelId, backend);
      }
      return backend;
    },
    async dispose() {
      disposed = true;
      const all = [...backends.values()];
      backends.clear();
      await Promise.all(all.map(async (b) => (await b.catch(() => undefined))?.dispose()));
    },
  };
}

/**
 * The `terminal.docker` settings a channel container takes. `volumes` and
 * `forward_env` are dropped (a volume would be shared by every channel; a
 * forwarded variable would hand a host secret to anyone in Slack), `container`
 * is attach mode, and the working directory is the channel's /workspace.
 */
export function channelSettings(docker: DockerConfig, image: string): DockerConfigInput {
  const { volumes: _volumes, forward_env: _forwardEnv, container: _container, allow_dangerous_mounts: _dangerous, ...kept } = docker;
  return { ...kept, image, workdir: CHANNEL_WORKSPACE, volumes: [], forward_env: [], allow_dangerous_mounts: false };
}

async function assertRealDirectory(path: string, what: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) throw new BackendError("UNAVAILABLE", `${what}, ${path}, does not exist; mom creates it before the first run, so something removed it.`);
  if (info.isSymbolicLink()) {
    throw new BackendError(
      "INVALID",
      `${what}, ${path}, is a symbolic link; mom mounts only real directories into a channel's container. Replace the link with a directory (mv it away, mkdir ${path}).`,
    );
  }
  if (!info.isDirectory()) throw new BackendError("INVALID", `${what}, ${path}, is not a directory; move it away so mom can create the directory.`);
}
