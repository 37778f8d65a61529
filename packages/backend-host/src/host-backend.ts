import { accessSync, constants, existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import {
  BACKEND_SPECIFICATION_VERSION,
  BackendError,
  DEFAULT_KILL_GRACE_MS,
  RUN_MARKER_VARIABLE,
  assertEnvNames,
  buildChildEnv,
  childProcessShellTransport,
  childRunMarker,
  newRunMarker,
  openShellSession,
  runLocalScript,
  type BackendStatus,
  type ExecOptions,
  type ExecResult,
  type ExecutionBackend,
  type HealthCheck,
  type SessionOptions,
  type ShellSession,
} from "@monoclaw/core/backend";
import { hostExec } from "./host-exec.js";
import { listHostDirectory, readHostFile, statHostPath, writeHostFile } from "./host-files.js";
import { killHostProcessTree } from "./host-process-kill.js";
import { findHostShell, shellStdinArgs } from "./host-shell.js";
import { findSubreaperLauncher, type SubreaperLauncher } from "./host-subreaper.js";
import { stageHostStdin } from "./host-stdin.js";

/** Default per-command timeout: `terminal.timeout`'s default of 180 s. */
export const DEFAULT_HOST_TIMEOUT_MS = 180_000;

export interface HostBackendOptions {
  /** Workspace directory: where commands run and relative paths resolve. Default `process.cwd()`. */
  cwd?: string;
  /** Timeout for commands that set none, in milliseconds. Default {@link DEFAULT_HOST_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Variables added to every command's environment (never filtered). */
  env?: Record<string, string>;
  /** Host variables passed through even though their names look secret. */
  forwardEnv?: string[];
  /** The environment commands inherit, minus secrets. Default `process.env`. */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Values (configured API keys) no inherited variable may carry, whatever its name. */
  secretValues?: readonly string[];
  /** Shell path or name; default `bash` when on PATH, else `/bin/sh`. */
  shell?: string;
  /** TERM-to-KILL grace on timeout and abort. Default 2000 ms. */
  killGraceMs?: number;
  /** Directory for output spill files. Default `os.tmpdir()/monoclaw-output`. */
  spillDirectory?: string;
}

/**
 * The host backend: commands run on this machine as this user.
 *
 * - `exec` runs `<shell> -c` in its own session and process group, tagged with
 *   a run marker; timeout and abort send TERM, wait the grace period (less
 *   when everything is gone), then KILL the group and every process carrying
 *   the marker, `setsid`/`nohup`/double-forked ones included.
 * - Commands see the host environment minus secrets (`buildChildEnv`): names
 *   such as `*_KEY`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*` and `MOM_SLACK_*`,
 *   credential-shaped values (`sk-...`, `ghp_...`, JWTs, PEM keys, URLs with a
 *   password) and any of `secretValues`, unless listed in `forwardEnv`; `env`
 *   is added on top. This is hygiene, not isolation: commands run as this
 *   user and can read the parent's environment and files (see the README).
 * - Paths are host paths; relative ones resolve against `cwd`.
 * - `dispose` closes sessions and ends every process any command started,
 *   background jobs included. Creating it does no I/O.
 */
export function createHostBackend(options: HostBackendOptions = {}): ExecutionBackend {
  const workspacePath = resolve(options.cwd ?? process.cwd());
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_HOST_TIMEOUT_MS;
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const baseEnv = options.baseEnv ?? process.env;
  assertEnvNames(options.env, "terminal.host.env");
  const childEnv = buildChildEnv({
    base: baseEnv,
    env: options.env ?? {},
    forwardEnv: options.forwardEnv ?? [],
    secretValues: options.secretValues ?? [],
  });
  const marker = newRunMarker(process.env[RUN_MARKER_VARIABLE]);
  const sessions = new Set<ShellSession>();
  const running = new Set<Promise<unknown>>();
  let sessionCount = 0;
  let disposed = false;
  let shell: string | undefined;
  let subreaper: { launcher: SubreaperLauncher | undefined } | undefined;
  // Looked up on first use (creating the backend does no I/O).
  const subreaperLauncher = (): SubreaperLauncher | undefined => {
    subreaper ??= { launcher: findSubreaperLauncher(childEnv.env.PATH ?? baseEnv.PATH) };
    return subreaper.launcher;
  };

  const requireShell = (): string => {
    shell ??= findHostShell(options.shell, childEnv.env.PATH ?? baseEnv.PATH);
    if (shell === undefined) {
      throw new BackendError(
        "UNAVAILABLE",
        `No shell found (${options.shell ?? "bash or /bin/sh"}). Install one or set terminal.host.shell to a shell's path.`,
      );
    }
    return shell;
  };
  const requireOpen = (): void => {
    if (disposed) throw new BackendError("UNAVAILABLE", "The host backend was disposed; create a new one.");
  };
  const at = (path: string): string => {
    if (typeof path !== "string" || path === "") throw new BackendError("INVALID", "A path is required (an empty path was given)");
    return resolve(workspacePath, path);
  };
  const track = <T>(promise: Promise<T>): Promise<T> => {
    running.add(promise);
    const forget = (): void => void running.delete(promise);
    promise.then(forget, forget);
    return promise;
  };

  const backend: ExecutionBackend = {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name: "host",
    workspacePath,

    async exec(command: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
      requireOpen();
      return track(
        hostExec(command, execOptions, {
          shell: requireShell(),
          cwd: at(execOptions.cwd ?? "."),
          env: childEnv.env,
          parentMarker: marker,
          defaultTimeoutMs,
          killGraceMs,
          subreaper: subreaperLauncher(),
          ...(options.spillDirectory === undefined ? {} : { spillDirectory: options.spillDirectory }),
        }),
      );
    },

    async openSession(sessionOptions: SessionOptions = {}): Promise<ShellSession> {
      requireOpen();
      assertEnvNames(sessionOptions.env, "session env");
      const shellPath = requireShell();
      const cwd = at(sessionOptions.cwd ?? ".");
      const launcher = subreaperLauncher();
      const [command, args] = launcher?.wrap(shellPath, shellStdinArgs(shellPath)) ?? [shellPath, shellStdinArgs(shellPath)];
      const session = await openShellSession({
        openTransport: childProcessShellTransport({
          command,
          args,
          cwd,
          env: { ...childEnv.env, ...sessionOptions.env },
        }),
        runKillScript: async (script) => void (await runLocalScript(script)),
        // Detached: the shell leads its own session; as a subreaper it adopts what its commands orphan.
        shellLeadsSession: true,
        ...(launcher === undefined ? {} : { orphanReaper: "shell" as const }),
        marker: childRunMarker(marker, `s${++sessionCount}`),
        defaultTimeoutMs,
        killGraceMs,
        resolveCwd: at,
        stageStdin: stageHostStdin,
        ...(options.spillDirectory === undefined ? {} : { spillDirectory: options.spillDirectory }),
      });
      sessions.add(session);
      return {
        exec: (command, execOptions) => track(session.exec(command, execOptions)),
        close: async () => {
          sessions.delete(session);
          await session.close();
        },
      };
    },

    readFile: (path, operation) => readHostFile(at(path), operation),
    writeFile: (path, data, operation) => writeHostFile(at(path), data, operation),
    listDirectory: (path, operation) => listHostDirectory(at(path), operation),
    stat: (path, operation) => statHostPath(at(path), operation),

    async status(): Promise<BackendStatus> {
      const found = findHostShell(options.shell, childEnv.env.PATH ?? baseEnv.PATH);
      return {
        backend: "host",
        available: found !== undefined && !disposed,
        summary: found === undefined ? "host: no shell found" : `host: ${found} in ${workspacePath}`,
        details: { workspacePath, shell: found ?? null, withheldSecrets: childEnv.withheld.length },
      };
    },

    async healthChecks(): Promise<HealthCheck[]> {
      return hostHealthChecks({
        shell: findHostShell(options.shell, childEnv.env.PATH ?? baseEnv.PATH),
        configuredShell: options.shell,
        workspacePath,
        withheld: childEnv.withheld,
        missingForwards: childEnv.missingForwards,
        subreaper: subreaperLauncher() !== undefined,
      });
    },

    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await Promise.all([...sessions].map((session) => session.close()));
      sessions.clear();
      // Everything any command started: background jobs, daemons, running commands.
      await killHostProcessTree({ marker, graceMs: Math.min(killGraceMs, 1000) });
      await Promise.allSettled([...running]);
    },
  };
  return backend;
}

/** The checks `doctor` prints for the host backend. Never throws. */
export function hostHealthChecks(facts: {
  shell: string | undefined;
  configuredShell: string | undefined;
  workspacePath: string;
  withheld: readonly string[];
  missingForwards: readonly string[];
  /** Whether commands start as child subreapers (see `findSubreaperLauncher`). Default true. */
  subreaper?: boolean;
}): HealthCheck[] {
  const checks: HealthCheck[] = [];
  checks.push(
    facts.shell === undefined
      ? {
          id: "host.shell",
          level: "fail",
          message: `shell ${facts.configuredShell ?? "bash or /bin/sh"} not found`,
          fix: "install bash, or set terminal.host.shell to the path of a POSIX shell",
        }
      : { id: "host.shell", level: "ok", message: `shell ${facts.shell}` },
  );
  checks.push(workspaceCheck(facts.workspacePath));
  const names = facts.withheld.length === 0 ? "" : ` (${facts.withheld.slice(0, 8).join(", ")}${facts.withheld.length > 8 ? ", ..." : ""})`;
  checks.push({
    id: "host.secrets",
    level: "ok",
    message: `${facts.withheld.length} secret-looking variable${facts.withheld.length === 1 ? "" : "s"} withheld from commands${names}`,
  });
  if (facts.missingForwards.length > 0) {
    checks.push({
      id: "host.forward_env",
      level: "warn",
      message: `terminal.host.forward_env lists ${facts.missingForwards.join(", ")}, not set in this environment`,
      fix: "export the variable before starting monoclaw, or remove it from terminal.host.forward_env",
    });
  }
  checks.push(
    !existsSync("/proc/self/environ")
      ? {
          id: "host.process-tree",
          level: "warn",
          message: "no /proc: on timeout only the command's process group is killed",
          fix: "run on Linux for full process-tree cleanup",
        }
      : facts.subreaper === false
        ? {
            id: "host.process-tree",
            level: "warn",
            message: "no perl: commands cannot adopt their orphans, so a process that double-forks, calls setsid and clears its environment outlives a timeout",
            fix: "install perl (commands then start as child subreapers)",
          }
        : {
            id: "host.process-tree",
            level: "ok",
            message: "stray processes are found through /proc on timeout and abort; commands adopt their orphans (child subreaper)",
          },
  );
  return checks;
}

function workspaceCheck(path: string): HealthCheck {
  try {
    if (!statSync(path).isDirectory()) {
      return { id: "host.cwd", level: "fail", message: `working directory ${path} is not a directory`, fix: "set terminal.cwd to a directory" };
    }
    accessSync(path, constants.W_OK);
    return { id: "host.cwd", level: "ok", message: `working directory ${path} exists and is writable` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT"
      ? { id: "host.cwd", level: "fail", message: `working directory ${path} does not exist`, fix: `create it (mkdir -p ${path}) or set terminal.cwd` }
      : {
          id: "host.cwd",
          level: "fail",
          message: `working directory ${path} is not writable`,
          fix: "fix its permissions or set terminal.cwd to a writable directory",
        };
  }
}
