import { realpath } from "node:fs/promises";
import type { ExecutionBackend, LoadedConfig } from "@monoclaw/core";
import type { SandboxSpec } from "../cli/sandbox-spec.js";
import { CHANNEL_WORKSPACE } from "./channel-sandboxes.js";
import { openChannelSandboxes } from "./open-channel-sandboxes.js";
import { openSandbox, type OpenSandboxOptions } from "./open-sandbox.js";
import { workspaceView, type SandboxKind } from "./workspace-view.js";

/** `openSandbox`'s options, for any `--sandbox` form, plus the config that channel containers are built from. */
export interface OpenMomSandboxOptions extends Omit<OpenSandboxOptions, "spec"> {
  spec: SandboxSpec;
  /** The loaded config.yaml (`terminal.docker` for channel containers). */
  config: LoadedConfig;
}

/** Where mom's tools run, whichever `--sandbox` form chose it. */
export interface MomSandbox {
  kind: SandboxKind;
  /** One backend for every channel, or each channel's own. */
  backend: ExecutionBackend | ((channelId: string) => Promise<ExecutionBackend>);
  /** How a channel's tools name a data-directory path (`C1/attachments/x`); absent when it is the path itself. */
  toolPath?: (channelId: string, dataRelative: string) => string;
  /** For the start-up line: "on this machine", "in container X", ... */
  description: string;
  dispose(): Promise<void>;
}

/** Opens the sandbox `--sandbox` names; every check that can fail throws a MomStartupError before mom connects to Slack. */
export async function openMomSandbox(options: OpenMomSandboxOptions): Promise<MomSandbox> {
  const { spec } = options;
  if (spec.kind === "docker-per-channel") {
    const { sandboxes, image } = await openChannelSandboxes({
      ...(spec.image !== undefined ? { image: spec.image } : {}),
      dataDir: await realpath(options.dataDir),
      config: options.config,
      env: options.env,
      timeoutMs: options.timeoutMs,
      log: options.log,
    });
    return {
      kind: "docker-per-channel",
      backend: (channelId) => sandboxes.backendFor(channelId),
      toolPath: (channelId, dataRelative) => workspaceView("docker-per-channel", CHANNEL_WORKSPACE, channelId).toolPath(dataRelative) ?? dataRelative,
      description: `in one container per channel (${image}, named ${sandboxes.containerName("<channel>")})`,
      dispose: () => sandboxes.dispose(),
    };
  }
  const sandbox = await openSandbox({ ...options, spec });
  const { beforeRun } = sandbox;
  return {
    kind: sandbox.kind,
    backend: beforeRun
      ? async () => {
          await beforeRun();
          return sandbox.backend;
        }
      : sandbox.backend,
    description: spec.kind === "docker" ? `in container ${spec.container}` : "on this machine",
    dispose: () => sandbox.backend.dispose(),
  };
}
