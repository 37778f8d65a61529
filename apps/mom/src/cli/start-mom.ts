import { realpath, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { userInfo } from "node:os";
import {
  ConfigError,
  ConfinedPathError,
  createRedactor,
  isSecretEnvName,
  loadConfig,
  ModelSetupError,
  preflightModel,
  type LoadedConfig,
  type ResolvedModel,
} from "@monoclaw/core";
import { hostBackendFactory } from "@monoclaw/backend-host";
import { dockerBackendFactory } from "@monoclaw/backend-docker";
import { createMomAgent } from "../agent/mom-agent.js";
import { EventScheduler } from "../events/event-scheduler.js";
import { MomBot } from "../slack/mom-bot.js";
import { dataDirLayout, prepareDataDir } from "../store/data-dir.js";
import { openMomSandbox } from "../sandbox/mom-sandbox.js";
import { parseMomArgs } from "./mom-options.js";
import { MomStartupError } from "./mom-startup-error.js";
import { readSlackCredentials } from "./slack-credentials.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface MomIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Env;
  cwd: string;
}

/** A started mom: connected to Slack, watching events. */
export interface RunningMom {
  bot: MomBot;
  /** Stops events and runs (ending running commands), disconnects, releases the sandbox. Idempotent. */
  stop(): Promise<void>;
}

/** Default per-command timeout of mom's tools: 10 minutes. */
const COMMAND_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Starts mom from a command line. Every check that can fail (arguments,
 * tokens, data directory, sandbox form, model configuration, container
 * state) runs before the first byte goes to Slack and throws a
 * MomStartupError with the fix. Returns `{ exit }` after `--help` or
 * `--version`.
 */
export async function startMom(argv: readonly string[], io: MomIo): Promise<RunningMom | { exit: number }> {
  const log = (message: string) => io.err(`mom: ${message}\n`);
  const options = parseMomArgs(argv, io.env, io);
  if ("exit" in options) return options;
  const credentials = readSlackCredentials(io.env);

  const dataDirPath = resolve(io.cwd, options.dataDir);
  const info = await stat(dataDirPath).catch(() => undefined);
  if (!info) {
    throw new MomStartupError(
      `the data directory ${dataDirPath} does not exist. Create it (mkdir -p ${options.dataDir}), or for the Docker sandbox: ./docker.sh create ${options.dataDir}`,
    );
  }
  if (!info.isDirectory()) throw new MomStartupError(`${dataDirPath} is not a directory; give mom a directory for her data.`);

  const config = await loadMomConfig(io);
  const model = await resolveMomModel(options.model, config, io.env);

  const secrets = [
    { label: "MOM_SLACK_BOT_TOKEN", value: credentials.botToken },
    { label: "MOM_SLACK_APP_TOKEN", value: credentials.appToken },
    { label: "MOM_SLACK_SIGNING_SECRET", value: credentials.signingSecret },
    { label: model.apiKeySource ?? "MODEL_API_KEY", value: model.apiKey },
  ];
  const secretValues = new Set(secrets.flatMap((s) => (s.value ? [s.value] : [])));
  // Commands never inherit a secret: not by a secret-looking name, not under any other name.
  const sandboxEnv = Object.fromEntries(
    Object.entries(io.env).filter(([name, value]) => value !== undefined && !isSecretEnvName(name) && !secretValues.has(value)),
  );
  const redactor = createRedactor({ env: io.env, secrets });

  const sandbox = await openMomSandbox({ spec: options.sandbox, dataDir: dataDirPath, config, sandboxEnv, env: io.env, timeoutMs: COMMAND_TIMEOUT_MS, log });
  if (sandbox.kind === "host") {
    io.err(
      `mom: WARNING: --sandbox=host runs every command directly on this machine as ${userInfo().username}. Anyone who can message mom in Slack can run commands here and read your files. Isolate her with ./docker.sh create ${options.dataDir} and --sandbox=docker:mom-sandbox.\n`,
    );
  }

  // The operator's directory is trusted as given, resolved once: from here on nothing in it is followed.
  const dataDir = dataDirLayout(await realpath(dataDirPath));
  try {
    await prepareDataDir(dataDir);
  } catch (error) {
    // A link made in the sandbox in place of skills/ or events/ is refused and reported; mom still serves the channels.
    if (error instanceof ConfinedPathError && error.reason !== "unsupported") {
      log(`data directory: ${error.message}`);
    } else {
      await sandbox.dispose();
      throw new MomStartupError(`cannot prepare the data directory ${dataDir.root}: ${(error as Error).message}`);
    }
  }
  const agent = createMomAgent({ model, backend: sandbox.backend, sandbox: sandbox.kind, dataDir, redactor });
  const bot = new MomBot({
    dataDir,
    botToken: credentials.botToken,
    ...(credentials.appToken ? { appToken: credentials.appToken } : {}),
    ...(credentials.signingSecret ? { signingSecret: credentials.signingSecret } : {}),
    ...(options.httpPort ? { httpPort: options.httpPort } : {}),
    ...(credentials.apiUrl ? { apiUrl: credentials.apiUrl } : {}),
    ...(options.allowUsers ? { allowUsers: options.allowUsers } : {}),
    ...(options.allowChannels ? { allowChannels: options.allowChannels } : {}),
    allowBots: options.allowBots,
    maxConcurrentRuns: options.maxRuns,
    runAgent: agent,
    redact: (text) => redactor.redact(text),
    ...(sandbox.toolPath ? { toolPath: sandbox.toolPath } : {}),
    log,
  });
  const events = new EventScheduler({ files: dataDir.files, eventsDir: dataDir.eventsDir, fire: (firing) => bot.fireEvent(firing), log });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      events.stop();
      await bot.stop();
      await agent.dispose();
      await sandbox.dispose();
    })();
    return stopping;
  };
  try {
    await bot.start();
  } catch (error) {
    await stop();
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code === "invalid_auth" || code === "not_authed" || code === "account_inactive" || code === "token_revoked") {
      throw new MomStartupError(`Slack refused MOM_SLACK_BOT_TOKEN (${code}). Copy the Bot User OAuth Token again from the app's OAuth & Permissions page.`);
    }
    throw error;
  }
  await events.start();
  log(`connected to Slack; tools run ${sandbox.description}; model ${model.provider}/${model.modelId}; data in ${dataDirPath}`);
  return { bot, stop };
}

async function loadMomConfig(io: MomIo): Promise<LoadedConfig> {
  try {
    return await loadConfig({ factories: [hostBackendFactory, dockerBackendFactory], env: io.env, startDir: io.cwd });
  } catch (error) {
    if (error instanceof ConfigError) throw new MomStartupError(error.message);
    throw error;
  }
}

async function resolveMomModel(modelOption: string | undefined, loaded: LoadedConfig, env: Env): Promise<ResolvedModel> {
  const spec = modelOption ?? loaded.config.model;
  if (!spec) {
    throw new MomStartupError(
      `no model is configured. Pass --model <provider/model> (e.g. --model anthropic/claude-sonnet-4-5) or set \`model\` in ${loaded.file}, as for monoclaw.`,
    );
  }
  try {
    // A missing key or an unreachable model server is reported now, before
    // mom connects to Slack and accepts work it could not do.
    const checked = await preflightModel({ model: spec, providers: loaded.config.providers, env });
    if (!checked.ok) throw new MomStartupError(checked.error.message);
    return checked.resolved;
  } catch (error) {
    if (error instanceof ModelSetupError) throw new MomStartupError(error.message);
    throw error;
  }
}
