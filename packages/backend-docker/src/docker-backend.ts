import { createHash, randomBytes } from "node:crypto";
import { posix } from "node:path";
import { homedir } from "node:os";
import type Docker from "dockerode";
import {
  BACKEND_SPECIFICATION_VERSION,
  BackendError,
  assertEnvNames,
  childRunMarker,
  effectiveTimeoutMs,
  newRunMarker,
  openShellSession,
  RUN_MARKER_VARIABLE,
  shellQuote,
  type BackendStatus,
  type DirEntry,
  type ExecOptions,
  type ExecResult,
  type ExecutionBackend,
  type FileStat,
  type HealthCheck,
  type OperationOptions,
  type ReadFileOptions,
  type SessionOptions,
  type ShellSession,
  type WriteFileOptions,
} from "@monoclaw/core/backend";
import { createFileChannel } from "./files/file-channel.js";
import { createContainerFiles, type ContainerFiles, type ScriptRunner } from "./files/container-files.js";
import { runContainerExec } from "./exec/container-exec.js";
import { OOM_KILL_COUNTER_SCRIPT, withOomKillNotes } from "./exec/oom-kill-note.js";
import { containerLossError, containerStartedAt, type CommandPlace } from "./exec/container-loss.js";
import { scopedContainerName, type ContainerScope } from "./container/container-spec.js";
import { reapExpiredContainers, removeManaged } from "./container/container-reaper.js";
import type { ContainerTarget } from "./container/container-target.js";
import { CONTAINER_KILL_GRACE_MS, MAX_INLINE_COMMAND_BYTES, runDockerCommand } from "./exec/docker-command.js";
import { parseDockerConfig, type DockerConfig, type DockerConfigInput } from "./docker-config.js";
import { dockerShellTransport } from "./exec/docker-shell-transport.js";
import { processDiscoveryEnvironment } from "./engine/discovery-environment.js";
import { connectEngine, type EngineConnection } from "./engine/engine-discovery.js";
import { engineUnreachableError, isConnectionError, isNoSuchContainer, isNotRunning, statusCodeOf } from "./engine/engine-errors.js";
import type { ProgressEvent } from "./image/image-pull.js";
import { createIdleTimer } from "./container/idle-timer.js";
import { createContainerPauser } from "./container/container-pauser.js";
import { openContainerTarget } from "./container/open-container-target.js";
import { createExecPool } from "./exec/exec-pool.js";
import { openHeldShell } from "./exec/held-shell.js";
import { heldMembersOf, type HeldPoolMember, type WarmPoolKeeper } from "./container/warm-pool-keeper.js";
import { pauseMember, removeOrphanedMembers } from "./container/warm-pool.js";
import { dockerHealthChecks } from "./health-checks.js";
import { runInteractiveShell, type InteractiveShellIO } from "./exec/interactive-shell.js";
import { resolveContainerUser } from "./container/user-spec.js";
import { sandboxEgressFor } from "./egress/sandbox-egress.js";
import { egressHealthChecks } from "./egress/egress-health-checks.js";
import { refusalNotices } from "./egress/egress-refusals.js";
import { attachedProxyDecisionsSince } from "./egress/attached-egress-proxy.js";
import { parseVolume, type VolumeMount } from "./container/volume-mounts.js";

/** Default per-command timeout when the app gives none: 10 minutes. */
const DEFAULT_TIMEOUT_MS = 600_000;
/** Shells kept open to run `exec` calls fast; more concurrent calls wait for one. */
const EXEC_POOL_SIZE = 4;

/** Options of {@link createDockerBackend}: the `terminal.docker` keys plus what the app knows. */
export interface DockerBackendOptions extends DockerConfigInput {
  /** Alias of `workdir` (mom's word). */
  workspacePath?: string;
  /** Container name in managed mode. Default: `monoclaw-<hash of cwd>`, one container per project directory. */
  name?: string;
  /** Host directory MonoClaw works in: relative volume paths resolve against it. Default `process.cwd()`. */
  cwd?: string;
  /** What the managed container serves, for its labels (`sandbox ls`); default a directory. */
  scopeOf?: ContainerScope;
  /**
   * The agent session this backend serves (`scope: session` names the
   * container after it). `resumed`: the session existed before (`--continue`,
   * `--resume`), so a missing container is worth a note. Without one, a
   * session-scoped backend is a session of its own (e.g. `monoclaw exec`).
   */
  session?: { id: string; resumed?: boolean };
  /** Default per-command timeout in ms. Default 10 minutes. */
  timeoutMs?: number;
  /** The host environment, read for `forward_env` and engine discovery. Default `process.env`. */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Messages for the user (container replaced, image pulled). */
  log?: (message: string) => void;
  /** Image pull progress (the CLI renders a bar). */
  onPullProgress?: (event: ProgressEvent) => void;
  /** An engine connection to use instead of discovery (tests, apps that already connected). */
  engine?: EngineConnection;
  /** Attach mode: how a refused container's error says to allow it (default "set terminal.docker.allow_dangerous_container: true"; mom names its flag). */
  allowDangerousContainerKnob?: string;
  /**
   * Managed mode: how long a settings change waits for the commands running
   * in the old container (this process's or another's) before refusing to
   * replace it, in ms. Default 60 000.
   */
  runningCommandsWaitMs?: number;
  /**
   * `warm_pool`, in a process that serves many sessions: the members this
   * process holds with their shells open (`createWarmPoolKeeper`; share one
   * keeper between the backends it creates, and close it at exit). A new
   * session then claims a member with a rename and runs its first command in
   * the member's open shell. Without it, a claim takes a paused member any
   * process left.
   */
  warmPoolKeeper?: WarmPoolKeeper;
  /**
   * Attach mode: the container has an egress proxy of its own named
   * `<container>-egress-proxy` (what mom's docker.sh makes with
   * `MOM_NETWORK=allowlist`): after each command its log is read, and the
   * hosts it refused go into the result's notices, as for a managed sandbox.
   */
  attachedEgressProxy?: boolean;
}

/** The Docker backend: an {@link ExecutionBackend} plus what `monoclaw sandbox` and mom need. */
export interface DockerBackend extends ExecutionBackend {
  readonly config: DockerConfig;
  /** Container name (managed: deterministic; attached: as configured). */
  readonly containerName: string;
  /** Connects to the engine (discovery) without starting anything. */
  engine(): Promise<EngineConnection>;
  /** Makes sure the container runs and returns its id (created or started as allowed). */
  ensureContainer(): Promise<string>;
  /** `monoclaw sandbox shell`: an interactive shell in the container (as the configured user, with forward_env), until it exits. */
  interactiveShell(io: InteractiveShellIO): Promise<number>;
}

/**
 * Creates the Docker backend. Does no I/O: the engine is found and the
 * container created or reused on first use.
 *
 * Managed mode (default): MonoClaw owns one container per project directory
 * (see `createManagedContainer`), stops it when idle for `idle_timeout`
 * seconds and at `dispose`, unless `keep_warm`.
 * Attach mode (`container: NAME`): an existing container used as is, never
 * created, started, replaced, stopped or removed.
 *
 * Commands: `exec` runs each command in a fresh `sh -c` sent to a pooled shell
 * already running in the container (no exec per command); commands too long
 * for one argument take one exec each. Sessions are long-lived shells over an
 * exec attach stream. `forward_env` values travel with each exec, never in the
 * container's configuration. A container removed behind our back, or stopped
 * by an engine restart, is recreated (or started) and the call retried once.
 */
export function createDockerBackend(options: DockerBackendOptions = {}): DockerBackend {
  const {
    workspacePath,
    name: explicitName,
    cwd: hostCwd,
    scopeOf: explicitScope,
    session,
    timeoutMs,
    hostEnv,
    log,
    onPullProgress,
    engine: givenEngine,
    allowDangerousContainerKnob,
    runningCommandsWaitMs,
    warmPoolKeeper,
    attachedEgressProxy,
    ...section
  } = options;
  const config = parseDockerConfig({ ...section, ...(workspacePath !== undefined ? { workdir: workspacePath } : {}) });
  const env = hostEnv ?? process.env;
  const cwd = hostCwd ?? process.cwd();
  const homeDir = env.HOME || homedir();
  const defaultTimeoutMs = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const user = resolveContainerUser(config.user);
  const sessionId = config.scope === "session" ? (session?.id ?? `ephemeral-${randomBytes(6).toString("hex")}`) : undefined;
  const scopeOf: ContainerScope = explicitScope ?? { kind: config.scope, ...(sessionId !== undefined ? { id: sessionId } : {}) };
  const containerName =
    config.container ?? explicitName ?? scopedContainerName({ kind: config.scope, directory: cwd, ...(sessionId !== undefined ? { sessionId } : {}), config });
  // A session's container lives as long as the session: removed at dispose unless keep_warm.
  const removeAtDispose = scopeOf.kind === "session" && !config.keep_warm && config.container === undefined;
  // The warm pool serves new sessions: their late-bound settings (forward_env, secrets) travel per exec, so any member of the same config hash fits.
  const warmPool = scopeOf.kind === "session" && config.container === undefined && explicitName === undefined ? config.warm_pool : 0;
  let notedNewSessionContainer = false;
  const say = log ?? (() => undefined);
  // network: allowlist: the sandbox joins an internal network whose only way out is MonoClaw's egress proxy.
  const egress = sandboxEgressFor(config, containerName, say, { env, cwd, homeDir });
  // Attach mode with docker.sh's proxy: the sandbox whose proxy's refusals go into each result.
  const attachedProxyOf = attachedEgressProxy === true ? config.container : undefined;
  // Held members join no egress network of a session's own: an allow-list sandbox is made for its session.
  const keeper = warmPool > 0 && egress === undefined && warmPoolKeeper ? heldMembersOf(warmPoolKeeper) : undefined;
  /** The member this backend claimed from the keeper until its shell is adopted by the first pooled shell. */
  let claimedHeld: HeldPoolMember | undefined;

  let engineConnection: Promise<EngineConnection> | undefined;
  let targetPromise: Promise<ContainerTarget> | undefined;
  let disposed = false;
  let keptHeld = false;
  const sessions = new Set<ShellSession>();

  const engine = (): Promise<EngineConnection> => {
    engineConnection ??= (givenEngine ? Promise.resolve(givenEngine) : connectEngine(processDiscoveryEnvironment(env, config.host))).catch((error: unknown) => {
      engineConnection = undefined;
      throw error;
    });
    return engineConnection;
  };

  const volumes = (): VolumeMount[] => {
    try {
      return config.volumes.map((spec) => parseVolume(spec, { env, homeDir, cwd, allowDangerous: config.allow_dangerous_mounts }));
    } catch (error) {
      throw new BackendError("INVALID", (error as Error).message);
    }
  };

  /** Before the container exists: the configured volumes (unknown when they are invalid; `doctor` says why). */
  const configuredMounts = (): ReportedMount[] | undefined => {
    try {
      return volumes().map((mount) => ({ source: mount.hostPath, target: mount.containerPath, readOnly: mount.readOnly, type: "bind" }));
    } catch {
      return undefined;
    }
  };

  /** A resumed session whose container is gone gets a new one (made or claimed from the pool), and is told so once. */
  const noteNewSessionContainer = () => {
    if (!notedNewSessionContainer && session?.resumed === true && scopeOf.kind === "session") {
      notedNewSessionContainer = true;
      say(
        `Session ${sessionId}'s container ${containerName} no longer exists: starting a new one (what was installed in it is gone; files in mounted directories are kept; keep_warm: true keeps a session's container after it ends)`,
      );
    }
  };

  const target = (): Promise<ContainerTarget> => {
    targetPromise ??= engine()
      .then(({ docker }) =>
        openContainerTarget({
          docker,
          config: egress?.sandboxConfig ?? config,
          ...(egress ? { dns: egress.sandboxDns } : {}),
          containerName,
          cwd,
          user,
          volumes,
          log: say,
          homeDir,
          env,
          ...(allowDangerousContainerKnob ? { allowDangerousContainerKnob } : {}),
          ...(runningCommandsWaitMs !== undefined ? { runningCommandsWaitMs } : {}),
          scopeOf,
          ...(warmPool > 0 ? { claimFromPool: true } : {}),
          ...(keeper ? { claimHeld: () => claimHeldMember(docker) } : {}),
          onCreated: noteNewSessionContainer,
          ...(onPullProgress ? { onPullProgress } : {}),
        }),
      )
      .catch((error: unknown) => {
        targetPromise = undefined;
        throw error;
      });
    return targetPromise;
  };

  /** Everything a held member's shell carries, so a claim never hands out one made for other settings or values. */
  const heldKey = (connection: EngineConnection): string =>
    createHash("sha256")
      .update(JSON.stringify([connection.endpoint.url, config, cwd, user ?? null, execEnv(undefined), volumes().map((m) => m.spec)]))
      .digest("hex");

  /** A member of the keeper's, renamed to this session's container, or undefined (the usual path follows). */
  const claimHeldMember = async (docker: Docker): Promise<string | undefined> => {
    const key = heldKey(await engine());
    const member = keeper?.take(key);
    if (!member) return undefined;
    try {
      // By its pool name, not its id: a member someone paused and another process claimed (renamed) is no longer ours.
      await docker.getContainer(member.name).rename({ name: containerName });
    } catch (error) {
      const status = statusCodeOf(error);
      // 409: this session's container exists (a resumed session): it is used as usual, and the member stays unused.
      if (status === 409) keeper?.giveBack(key, member);
      // 404: gone, or another session's now: only this process's shell in it ends (it carries our forward_env values).
      else if (status === 404) await member.shell.discard().catch(() => undefined);
      else await discardHeld(docker, member);
      return undefined;
    }
    claimedHeld = member;
    noteNewSessionContainer();
    return member.id;
  };
  const discardHeld = async (docker: Docker, member: HeldPoolMember) => {
    await member.shell.discard().catch(() => undefined);
    await removeManaged(docker, member.id).catch(() => undefined);
  };

  /** Asks the keeper to hold `warm_pool` members of this backend's settings (made by its container target). */
  const keepHeldMembers = (connection: EngineConnection, current: ContainerTarget) => {
    const { docker } = connection;
    if (!keeper || !current.createPoolMember) return;
    const createMember = current.createPoolMember.bind(current);
    keeper.keep(heldKey(connection), {
      size: warmPool,
      maxAgeSeconds: config.max_age,
      async make() {
        // The backends a keeper serves skip the reaper when they open their container: refills run it.
        await reapExpiredContainers(docker, { maxAgeSeconds: config.max_age, keep: [containerName] }).catch(() => undefined);
        await removeOrphanedMembers(docker).catch(() => undefined);
        const member = await createMember();
        try {
          const [startedAt, shell] = await Promise.all([
            containerStartedAt(docker, member.id),
            openHeldShell({ docker, containerId: member.id, env: execEnv(undefined), workingDir: config.workdir, ...(user !== undefined ? { user } : {}) }),
          ]);
          return { ...member, startedAt, shell };
        } catch (error) {
          await removeManaged(docker, member.id).catch(() => undefined);
          throw error;
        }
      },
      async release(member) {
        await member.shell.discard().catch(() => undefined);
        await pauseMember(docker, member.id).catch(() => removeManaged(docker, member.id));
      },
      remove: (member) => discardHeld(docker, member),
      onError: (error) => say(`Could not refill the warm pool: ${(error as Error).message}`),
    });
  };

  /** Runs `operation` against the running container; recreates/starts it and retries once when it vanished or stopped. */
  const withContainer = async <T>(operation: (docker: Docker, containerId: string) => Promise<T>): Promise<T> => {
    if (disposed) throw new BackendError("UNAVAILABLE", "The Docker backend was disposed");
    return whileBusy(async () => {
      const connection = await engine();
      const { docker } = connection;
      await egress?.ensure(connection);
      const container = await target();
      const id = await container.ensureRunning();
      await egress?.prepareSandbox(docker, id);
      try {
        const result = await operation(docker, id);
        if (keeper && !keptHeld) {
          // After the first operation (a claim's shell adoption): the refill's engine calls never delay the claim.
          keptHeld = true;
          keepHeldMembers(connection, container);
        }
        return result;
      } catch (error) {
        if (!isNoSuchContainer(error) && !isNotRunning(error)) throw wrapEngineError(error);
        say(
          `Container ${container.name} ${isNoSuchContainer(error) ? "was removed" : "stopped"} behind MonoClaw's back: ${container.managed ? "recreating" : "retrying"} it`,
        );
        container.invalidate();
        const again = await container.ensureRunning();
        await egress?.prepareSandbox(docker, again);
        return await operation(docker, again).catch((retryError: unknown) => {
          throw wrapEngineError(retryError);
        });
      }
    });
  };

  const idleTimer = createIdleTimer({
    idleSeconds: config.idle_timeout,
    enabled: !config.keep_warm && config.container === undefined,
    onIdle: () => {
      if (disposed) return;
      if (config.idle_action === "pause") {
        say(`Container ${containerName} idle for ${config.idle_timeout} s: pausing it (the next command thaws it)`);
        void pauser.pause();
        return;
      }
      say(`Container ${containerName} idle for ${config.idle_timeout} s: stopping it (set keep_warm: true to keep it running)`);
      void stopContainer();
    },
  });
  const pauser = createContainerPauser(async () => (await engine()).docker, containerName, say);
  /** Every call: holds the idle timer off and thaws a container this backend paused for idleness. */
  const whileBusy = <T>(work: () => Promise<T>): Promise<T> =>
    idleTimer.whileBusy(async () => {
      await pauser.resume();
      return work();
    });

  /** Idle stop: the pooled shells are closed; open sessions stay usable (their shell is re-opened, `sessionReset`). */
  const stopContainer = async () => {
    await closePool();
    const current = await targetPromise?.catch(() => undefined);
    await current?.stop();
    await egress?.stop();
  };

  const closePool = async () => {
    fileChannel.close();
    await execPool.close();
  };
  const closeShells = async () => {
    await Promise.all([closePool(), ...[...sessions].map((s) => s.close().catch(() => undefined))]);
    sessions.clear();
  };

  const placeIn = (containerId: string, startedAt: string | undefined): CommandPlace => ({
    name: containerName,
    managed: config.container === undefined,
    containerId,
    startedAt,
  });
  /** Where each open shell runs now: its container id and that container's start time (see `assertContainerSurvived`). */
  const shellPlaces = new WeakMap<ShellSession, () => CommandPlace>();

  /**
   * After a shell ended under a command: if its container was removed,
   * stopped or restarted meanwhile, that is why (a bare 137 is no answer),
   * and the command's "result" is not one. Checks the very container the
   * command ran in: by now the name may belong to a successor.
   */
  const assertContainerSurvived = async (place: CommandPlace | undefined, exitCode?: number): Promise<void> => {
    const { docker } = await engine();
    const lost = await containerLossError(docker, place ?? placeIn(containerName, undefined), exitCode);
    if (lost) throw lost;
  };

  const execEnv = (extra: Record<string, string> | undefined): string[] => {
    // Secrets: placeholders only (the proxy holds the values), with the trust variables for the proxy's CA.
    const entries: string[] = [...(egress?.execEnv() ?? [])];
    for (const name of config.forward_env) {
      const value = env[name];
      if (value !== undefined) entries.push(`${name}=${value}`);
    }
    for (const [key, value] of Object.entries(extra ?? {})) entries.push(`${key}=${value}`);
    return entries;
  };

  const resolvePath = (path: string) => posix.resolve(config.workdir, path);

  /** network: allowlist: the command's egress decisions go into MonoClaw's log; what was refused, into its result. */
  const withEgressNotices = async (result: ExecResult, startedMs: number): Promise<ExecResult> => {
    if (!egress && attachedProxyOf === undefined) return result;
    const { docker } = await engine();
    const notices = egress
      ? await egress.afterCommand(docker, startedMs)
      : refusalNotices(await attachedProxyDecisionsSince(docker, attachedProxyOf!, startedMs), attachedProxyOf!);
    return notices.length > 0 ? { ...result, notices: [...(result.notices ?? []), ...notices] } : result;
  };

  const scriptRunner: ScriptRunner = (script, args, runOptions) =>
    withContainer(async (docker, id) => {
      let stderr = "";
      const result = await runContainerExec(docker, id, {
        cmd: ["/bin/sh", "-c", script, "sh", ...args],
        user,
        ...(runOptions.stdin !== undefined ? { stdin: runOptions.stdin } : {}),
        ...(runOptions.signal !== undefined ? { signal: runOptions.signal } : {}),
        onOutput: (stream, chunk) => {
          if (stream === "stdout") runOptions.onStdout?.(chunk);
          else if (stderr.length < 4096) stderr += Buffer.from(chunk).toString("utf8");
        },
      });
      if (result.exitCode === null && runOptions.signal?.aborted) {
        throw new BackendError("IO", "The file operation was aborted");
      }
      return { exitCode: result.exitCode, stderr };
    });
  const fileChannel = createFileChannel({
    container: () => withContainer(async (docker, containerId) => ({ docker, containerId })),
    workingDir: "/",
    ...(user !== undefined ? { user } : {}),
  });
  const files: ContainerFiles = createContainerFiles(scriptRunner, config.workdir, {
    write: (path, data, mode, signal) => withContainer(() => fileChannel.write(path, data, mode, signal)),
    read: (path, signal, maxBytes) => withContainer(() => fileChannel.read(path, signal, maxBytes)),
  });

  /** Opens a protocol session in the container (used by openSession and the exec pool). */
  const openProtocolSession = (startCwd: string, startEnv: Record<string, string> | undefined): Promise<ShellSession> =>
    withContainer(async (docker, firstId) => {
      let place: CommandPlace = placeIn(firstId, undefined);
      // The claimed member's open shell serves the first pooled shell (same settings, same working directory).
      const held = claimedHeld?.id === firstId && startEnv === undefined && startCwd === config.workdir ? claimedHeld : undefined;
      claimedHeld = undefined;
      let heldShell = held?.shell.adoptable() ? held.shell : undefined;
      const marker = heldShell?.marker ?? newRunMarker();
      const shellOptions = { docker, env: execEnv(startEnv), workingDir: startCwd, ...(user !== undefined ? { user } : {}) };
      const session = await openShellSession({
        marker,
        defaultTimeoutMs,
        killGraceMs: CONTAINER_KILL_GRACE_MS,
        resolveCwd: resolvePath,
        // Also called to re-open the shell after an idle stop or a removal: withContainer starts or recreates it.
        openTransport: (events, markerEnv) => {
          if (heldShell) {
            const adopted = heldShell.adopt(events);
            heldShell = undefined;
            place = placeIn(firstId, held?.startedAt);
            return Promise.resolve(adopted);
          }
          return withContainer(async (_docker, id) => {
            const [startedAt, transport] = await Promise.all([
              containerStartedAt(docker, id),
              dockerShellTransport({ ...shellOptions, containerId: id })(events, markerEnv),
            ]);
            place = placeIn(id, startedAt);
            return transport;
          });
        },
        runKillScript: async (script) => {
          await runContainerExec(docker, place.containerId, { cmd: ["/bin/sh", "-c", script], ...(user !== undefined ? { user } : {}) });
        },
        // A managed container's PID 1 is tini: a command's orphans go to it. An attached container's PID 1 is the user's.
        ...(config.container === undefined ? { orphanReaper: 1 } : {}),
        stageStdin: async (data) => {
          const path = `/tmp/.monoclaw-stdin-${newRunMarker().slice(2, -1)}`;
          await files.writeFile(path, data, 0o600);
          return {
            path,
            release: async () => {
              await scriptRunner('rm -f -- "$1"', [path], {}).catch(() => undefined);
            },
          };
        },
      });
      shellPlaces.set(session, () => place);
      return session;
    });

  const execPool = createExecPool(EXEC_POOL_SIZE, () => openProtocolSession(config.workdir, undefined));

  const backend: DockerBackend = {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name: "docker",
    workspacePath: config.workdir,
    config,
    containerName,
    engine,
    ensureContainer: () => withContainer(async (_docker, id) => id),
    interactiveShell: (io) =>
      withContainer((docker, id) =>
        runInteractiveShell(
          {
            docker,
            containerId: id,
            // A command's marker: a settings change waits for (or names) an open `sandbox shell` instead of killing it.
            env: [...execEnv(undefined), `${RUN_MARKER_VARIABLE}=${childRunMarker(newRunMarker(), "shell")}`],
            workingDir: config.workdir,
            ...(user !== undefined ? { user } : {}),
          },
          io,
        ),
      ),

    async exec(command: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
      assertEnvNames(execOptions.env);
      const timeout = effectiveTimeoutMs(execOptions.timeoutMs, defaultTimeoutMs);
      const cwd = resolvePath(execOptions.cwd ?? config.workdir);
      if (Buffer.byteLength(command) > MAX_INLINE_COMMAND_BYTES) {
        // Too long for one argument: stage it as a script file, run it with one exec.
        const script = `/tmp/.monoclaw-cmd-${newRunMarker().slice(2, -1)}.sh`;
        await files.writeFile(script, Buffer.from(command), 0o700);
        try {
          return await withContainer(async (docker, id) => {
            const startedAt = containerStartedAt(docker, id);
            const place = async (): Promise<CommandPlace> => placeIn(id, await startedAt);
            const result = await runDockerCommand({
              docker,
              containerId: id,
              command: `. ${shellQuote(script)}`,
              cwd,
              env: execEnv(execOptions.env),
              timeoutMs: timeout,
              options: execOptions,
              ...(user !== undefined ? { user } : {}),
              ...(config.container === undefined ? { orphanReaper: 1 } : {}),
            }).catch(async (error: unknown) => {
              // Not started (retried by withContainer), or ended by its container going away.
              if (!isNoSuchContainer(error) && !isNotRunning(error)) await assertContainerSurvived(await place());
              throw error;
            });
            // Killed (128 + signal): by its container going away?
            if (result.exitCode >= 128 && !result.timedOut && !result.aborted) await assertContainerSurvived(await place(), result.exitCode);
            return result;
          });
        } finally {
          await scriptRunner('rm -f -- "$1"', [script], {}).catch(() => undefined);
        }
      }
      return whileBusy(async () => {
        const started = Date.now();
        // network: allowlist: a pooled shell skips withContainer, so check the proxy (and its CA in the sandbox) first:
        // a proxy that died comes back on the next command. One inspect when all is well.
        if (egress) await withContainer(async () => undefined);
        const { session, release } = await execPool.acquire();
        try {
          // A child `sh -c` per command: nothing carries over from one exec call to the next.
          const result = await session.exec(`/bin/sh -c ${shellQuote(command)}`, { ...execOptions, cwd, timeoutMs: timeout });
          if (result.sessionReset) await assertContainerSurvived(shellPlaces.get(session)?.(), result.exitCode);
          return withEgressNotices(result.sessionReset ? withoutReset(result) : result, started);
        } finally {
          release();
        }
      });
    },

    async openSession(sessionOptions: SessionOptions = {}): Promise<ShellSession> {
      assertEnvNames(sessionOptions.env, "SessionOptions.env");
      const startCwd = resolvePath(sessionOptions.cwd ?? config.workdir);
      const session = await openProtocolSession(startCwd, sessionOptions.env);
      sessions.add(session);
      return {
        exec: (command, execOptions = {}) =>
          whileBusy(async () => {
            const started = Date.now();
            // network: allowlist: the proxy (and its CA in the sandbox) are checked first, so one that died comes back.
            if (egress) await withContainer(async () => undefined);
            const result = await session.exec(command, { ...execOptions, ...(execOptions.cwd !== undefined ? { cwd: resolvePath(execOptions.cwd) } : {}) });
            if (result.sessionReset) await assertContainerSurvived(shellPlaces.get(session)?.(), result.exitCode);
            return withEgressNotices(result, started);
          }),
        close: async () => {
          sessions.delete(session);
          await session.close();
        },
      };
    },

    readFile: (path: string, op: ReadFileOptions = {}): Promise<Uint8Array> => files.readFile(path, op.signal, op.maxBytes),
    writeFile: (path: string, data: string | Uint8Array, op: WriteFileOptions = {}): Promise<void> =>
      files.writeFile(path, typeof data === "string" ? Buffer.from(data) : data, op.mode, op.signal),
    listDirectory: (path: string, op: OperationOptions = {}): Promise<DirEntry[]> => files.listDirectory(path, op.signal),
    stat: (path: string, op: OperationOptions = {}): Promise<FileStat> => files.stat(path, op.signal),

    async status(): Promise<BackendStatus> {
      try {
        const connection = await engine();
        const info = await connection.docker
          .getContainer(containerName)
          .inspect()
          .catch(() => undefined);
        const state = info ? info.State.Status : config.container !== undefined ? "missing" : "not created yet";
        return {
          backend: "docker",
          available: config.container === undefined || info?.State.Running === true,
          summary: `container ${containerName} ${state} (${info?.Config.Image ?? config.image})`,
          details: {
            endpoint: connection.endpoint.url,
            foundBy: connection.endpoint.source,
            engineVersion: connection.engineVersion,
            container: containerName,
            containerId: info?.Id,
            state,
            image: info?.Config.Image ?? config.image,
            workdir: config.workdir,
            // What the host shares with the container: core's approval policy and
            // system prompt read it (a writable mount means `rm -rf` can reach the host).
            mounts: info ? reportedMounts(info.Mounts) : configuredMounts(),
          },
        };
      } catch (error) {
        return { backend: "docker", available: false, summary: `Docker engine unavailable: ${(error as Error).message.split("\n")[0]}` };
      }
    },

    healthChecks: async (): Promise<HealthCheck[]> => [
      ...(await dockerHealthChecks({ config, containerName, engine, volumes, homeDir, user, hostEnv: env })),
      ...(await egressHealthChecks(config, containerName, (await engine().catch(() => undefined))?.docker)),
    ],

    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      idleTimer.cancel();
      // A paused container can be neither stopped cleanly nor shelled into: thaw it first.
      await pauser.resume().catch(() => undefined);
      await closeShells();
      if (removeAtDispose) {
        const { docker } = await engine();
        await removeManaged(docker, containerName).catch(() => undefined);
      }
      if (keeper) {
        // The keeper refilled when this session claimed; it holds the members until its process closes it.
      } else if (warmPool > 0) {
        // Who keeps the pool warm: the process whose session ends refills it for the next one (see docs/architecture.md).
        const current = await targetPromise?.catch(() => undefined);
        await current?.refillPool?.(warmPool, config.max_age).catch((error: unknown) => say(`Could not refill the warm pool: ${(error as Error).message}`));
      } else if (!config.keep_warm && config.container === undefined) {
        const current = await targetPromise?.catch(() => undefined);
        await current?.stop().catch(() => undefined);
      }
      if (!config.keep_warm) await egress?.stop().catch(() => undefined);
    },
  };
  // A command the OOM killer ended says so on its stderr, naming terminal.docker.memory.
  const readOomKills = async (): Promise<string> => {
    let text = "";
    await scriptRunner(OOM_KILL_COUNTER_SCRIPT, [], { onStdout: (chunk) => (text += Buffer.from(chunk).toString("utf8")) });
    return text;
  };
  return withOomKillNotes(backend, readOomKills, config.memory);
}

/** A pooled `exec` runs in a fresh `sh`; a shell reset in the pool is invisible to the caller. */
function withoutReset(result: ExecResult): ExecResult {
  const { sessionReset: _ignored, ...rest } = result;
  return rest;
}

function wrapEngineError(error: unknown): unknown {
  if (error instanceof BackendError) return error;
  if (isConnectionError(error)) {
    return engineUnreachableError(error);
  }
  return error;
}

/** Mounts as `status().details.mounts` reports them: `{ source, target, readOnly, type }`. */
interface ReportedMount {
  source: string;
  target: string;
  readOnly: boolean;
  type: string;
}

function reportedMounts(mounts: ReadonlyArray<{ Type?: string; Source: string; Destination: string; RW: boolean }>): ReportedMount[] {
  return mounts.map((mount) => ({ source: mount.Source, target: mount.Destination, readOnly: !mount.RW, type: mount.Type ?? "bind" }));
}
