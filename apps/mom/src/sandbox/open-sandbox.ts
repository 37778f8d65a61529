import { realpath } from "node:fs/promises";
import { isBackendError, type ExecutionBackend } from "@monoclaw/core";
import { createHostBackend } from "@monoclaw/backend-host";
import { connectEngine, createDockerBackend, createHostPathTranslator, inspectAttachedContainer, processDiscoveryEnvironment } from "@monoclaw/backend-docker";
import { MomStartupError } from "../cli/mom-startup-error.js";
import type { SharedSandboxSpec } from "../cli/sandbox-spec.js";
import { sandboxEgressProxyFor } from "./sandbox-egress-proxy.js";

/** Where the data directory appears inside a Docker sandbox. */
export const CONTAINER_WORKSPACE = "/workspace";

export interface OpenSandboxOptions {
  spec: SharedSandboxSpec;
  /** Absolute host path of the data directory. */
  dataDir: string;
  /** The environment commands may inherit (host mode), already stripped of secrets. */
  sandboxEnv: Readonly<Record<string, string | undefined>>;
  /** The environment used to find the Docker engine (DOCKER_HOST...). */
  env: Readonly<Record<string, string | undefined>>;
  /** Default per-command timeout. */
  timeoutMs: number;
  log: (message: string) => void;
}

export interface Sandbox {
  kind: "host" | "docker";
  backend: ExecutionBackend;
  /** Before each run: a sandbox on docker.sh's egress network gets its proxy back when it stopped (one inspect when it runs). */
  beforeRun?: () => Promise<void>;
}

/**
 * Opens the backend mom's tools use.
 *
 * - host: the data directory is the workspace; commands inherit
 *   `sandboxEnv` (the host backend also withholds secret-looking names).
 * - docker:<name>: attaches to that existing container, after checking it
 *   exists, runs, and mounts this data directory at /workspace; otherwise a
 *   MomStartupError names the `./docker.sh` command that fixes it. Its
 *   HostConfig is judged before mom connects: privileged or an engine socket
 *   mounted refuses the start unless `--allow-dangerous-sandbox`; every other
 *   risk (capabilities, host namespaces, security options, devices, mounts)
 *   is logged with the flag that fixes it. The container gets no variable
 *   from mom's environment. A container docker.sh made with
 *   MOM_NETWORK=allowlist gets its egress proxy started (and its policy
 *   loaded) now and before each run, when it is not running; with
 *   MOM_SECRETS the values come from mom's environment (`env`) into the
 *   proxy only, and commands get their placeholders.
 */
export async function openSandbox(options: OpenSandboxOptions): Promise<Sandbox> {
  const { spec } = options;
  if (spec.kind === "host") {
    return {
      kind: "host",
      backend: createHostBackend({ cwd: options.dataDir, baseEnv: options.sandboxEnv, timeoutMs: options.timeoutMs }),
    };
  }
  const name = spec.container;
  const script = "./docker.sh (in apps/mom of the MonoClaw repository, or the installed @monoclaw/mom package)";
  const envPrefix = name === "mom-sandbox" ? "" : `MOM_CONTAINER=${name} `;
  let engine;
  try {
    engine = await connectEngine(processDiscoveryEnvironment(options.env));
  } catch (error) {
    throw new MomStartupError(`--sandbox=docker:${name}: ${isBackendError(error) ? error.message : String(error)}`);
  }
  const info = await inspectAttachedContainer(engine.docker, name, CONTAINER_WORKSPACE).catch((error: unknown) => {
    throw new MomStartupError(`--sandbox=docker:${name}: cannot inspect the container: ${(error as Error).message}`);
  });
  if (!info.exists) {
    throw new MomStartupError(`container '${name}' does not exist. Create it with ${script}: ${envPrefix}./docker.sh create ${options.dataDir}`);
  }
  if (!info.running) {
    throw new MomStartupError(`container '${name}' is ${info.state ?? "not running"}. Start it: ${envPrefix}./docker.sh start`);
  }
  // When mom itself runs in a container (docker/mom-compose.yaml), its data
  // directory is a path inside that container: compare the engine-host path.
  let wanted: string;
  try {
    const toEngineHostPath = await createHostPathTranslator(engine.docker);
    wanted = toEngineHostPath(await realpath(options.dataDir));
  } catch (error) {
    throw new MomStartupError(`--sandbox=docker:${name}: the data directory: ${(error as Error).message}`);
  }
  const mounted = info.workspaceSource ? await realpath(info.workspaceSource).catch(() => info.workspaceSource) : undefined;
  if (mounted !== wanted) {
    const what = mounted ? `mounts ${mounted} at ${CONTAINER_WORKSPACE}` : `mounts nothing at ${CONTAINER_WORKSPACE}`;
    throw new MomStartupError(
      `container '${name}' ${what}, not the data directory ${wanted}. Recreate it: ${envPrefix}./docker.sh remove && ${envPrefix}./docker.sh create ${wanted}`,
    );
  }
  // With MOM_NETWORK=allowlist the sandbox's only way out is its proxy: a stopped one is started now, not at the first command.
  let egress;
  try {
    egress = await sandboxEgressProxyFor({ docker: engine.docker, sandbox: name, dataDir: options.dataDir, log: options.log, env: options.env });
    await egress?.ensure();
  } catch (error) {
    throw new MomStartupError(`--sandbox=docker:${name}: ${(error as Error).message}`);
  }
  // MOM_SECRETS: each command gets the placeholders and CA trust variables (never a value); nothing else from mom's environment.
  const commandEnv = egress?.commandEnv() ?? {};
  const backend = createDockerBackend({
    container: name,
    workspacePath: CONTAINER_WORKSPACE,
    engine,
    hostEnv: commandEnv,
    forward_env: Object.keys(commandEnv),
    timeoutMs: options.timeoutMs,
    log: options.log,
    allow_dangerous_container: spec.allowDangerous === true,
    allowDangerousContainerKnob: "start mom with --allow-dangerous-sandbox",
    // docker.sh's proxy: what it refused during a command goes into the tool's reply (the model asks instead of retrying).
    ...(egress ? { attachedEgressProxy: true } : {}),
  });
  // Judged now, not at the first message: a privileged container or one holding the engine socket stops mom here; other risks are logged.
  try {
    await backend.ensureContainer();
  } catch (error) {
    await backend.dispose();
    throw new MomStartupError(`--sandbox=docker:${name}: ${isBackendError(error) ? error.message : String(error)}`);
  }
  return { kind: "docker", backend, ...(egress ? { beforeRun: () => egress.ensure() } : {}) };
}
