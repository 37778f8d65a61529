import { resolveMonoclawHome } from "@monoclaw/core/config";
import type { CliContext } from "../cli-context.js";
import { CliError, usageError } from "../cli-error.js";
import { loadCliConfig } from "../load-cli-config.js";
import type { AgentRuntime } from "./agent-runtime.js";
import { findConversation, NoSessionToContinueError, openConversation, type Conversation } from "./conversation.js";
import { newSessionId, SessionNotFoundError, sessionsDirectory, type LoadedSession } from "./session-store.js";

/** Options shared by `monoclaw` (the interactive session) and `monoclaw run`. */
export interface AgentCommandOptions {
  /** `--model provider/model-id` for this run only. */
  model?: string;
  /** `--backend <name>` for this run only. */
  backend?: string;
  /** `--continue` */
  continue?: boolean;
  /** `--resume <id>` */
  resume?: string;
}

export interface PreparedAgent {
  runtime: AgentRuntime;
  conversation: Conversation;
  /** The MonoClaw home directory (`MONOCLAW_HOME` or `~/.monoclaw`). */
  home: string;
  sessionsDir: string;
  /** Host directory MonoClaw works in (`terminal.cwd`), recorded in session headers. */
  cwd: string;
}

/**
 * Everything before the first turn, in an order that reports every usage and
 * config problem before any work starts: option conflicts (an unknown
 * `--backend` was already refused by its option parser), the session to
 * resume, the config file, the model (its key and its server), and only then
 * the backend and the session file. Throws a CliError (exit 2 for what the
 * user must fix, 1 for an unreachable model server) or a ConfigError; nothing
 * is created on disk before the model check passes.
 *
 * The model is `--model`, else the one the resumed session last used (so a
 * `/model` switch survives `--continue`), else the config's `model`.
 */
export async function prepareAgent(context: CliContext, options: AgentCommandOptions, approvals: { interactive: boolean }): Promise<PreparedAgent> {
  const { env, startDir, stderr } = context;
  const warn = (message: string) => stderr.write(`monoclaw: warning: ${message}\n`);
  if (options.continue === true && options.resume !== undefined) {
    throw usageError("--continue and --resume cannot be used together: --continue picks the newest session, --resume <id> a given one.");
  }
  const home = resolveMonoclawHome(env, startDir);
  const sessionsDir = sessionsDirectory(home);
  let resumed: LoadedSession | undefined;
  try {
    resumed = findConversation(sessionsDir, {
      ...(options.continue === true ? { continueLatest: true } : {}),
      ...(options.resume === undefined ? {} : { resume: options.resume }),
    });
  } catch (error) {
    if (error instanceof SessionNotFoundError || error instanceof NoSessionToContinueError) throw usageError(error.message);
    throw error;
  }
  if (resumed !== undefined && resumed.skippedLines > 0) {
    warn(`${resumed.skippedLines} damaged line(s) of ${resumed.path} were skipped (a crash mid-write leaves one).`);
  }

  const loaded = await loadCliConfig(context);

  const model = options.model ?? resumed?.model ?? loaded.config.model;
  if (model === undefined || model === "") {
    throw usageError(
      `No model is configured. Pass --model <provider/model-id>, or set one: \`monoclaw config set model anthropic/claude-sonnet-4-5\` (then export ANTHROPIC_API_KEY).`,
    );
  }

  // Loaded here, not at startup: it brings in the AI SDK, which `exec`,
  // `config` and `--version` never need.
  const { createAgentRuntime } = await import("./create-agent-runtime.js");
  // Chosen now: a backend scoped per session (terminal.docker.scope: session) is named after it.
  const sessionId = resumed?.header.id ?? newSessionId();
  const runtime = await createAgentRuntime({
    session: { id: sessionId, resumed: resumed !== undefined },
    config: loaded.config,
    factories: context.backendFactories,
    model,
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    env,
    interactiveApprovals: approvals.interactive,
    log: (message: string) => stderr.write(`${message}\n`),
  });
  try {
    const conversation = openConversation({
      directory: sessionsDir,
      resumed,
      cwd: loaded.config.terminal.cwd,
      model: runtime.model,
      backend: runtime.backend,
      id: sessionId,
      onError: (error) => warn(error.message),
    });
    return { runtime, conversation, home, sessionsDir, cwd: loaded.config.terminal.cwd };
  } catch (error) {
    await runtime.dispose();
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CliError(`Cannot write the session file in ${sessionsDir} (${reason}). Make that directory writable, or point MONOCLAW_HOME at a writable one.`, {
      cause: error,
    });
  }
}
