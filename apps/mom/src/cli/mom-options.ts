import { createRequire } from "node:module";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { MomStartupError } from "./mom-startup-error.js";
import { parseSandbox, type SandboxSpec } from "./sandbox-spec.js";

/** What the command line says. */
export interface MomOptions {
  dataDir: string;
  sandbox: SandboxSpec;
  model?: string;
  allowUsers?: Set<string>;
  allowChannels?: Set<string>;
  allowBots: boolean;
  maxRuns: number;
  httpPort?: number;
}

/** `--help` or `--version` was printed; exit with `exitCode`. */
export interface MomInfoExit {
  exit: number;
}

export function momVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("../../package.json") as { version: string }).version;
}

const HELP_AFTER = `
Environment:
  MOM_SLACK_BOT_TOKEN       Bot User OAuth Token (xoxb-...)                     required
  MOM_SLACK_APP_TOKEN       App-level token for Socket Mode (xapp-...)          required unless MOM_SLACK_SIGNING_SECRET
  MOM_SLACK_SIGNING_SECRET  Receive events over the HTTP Events API instead (with --http-port)
  MOM_SLACK_API_URL         Another Web API base URL (enterprise proxy, local test server)
  MOM_ALLOW_USERS, MOM_ALLOW_CHANNELS   comma-separated ids, same as the options
  MONOCLAW_HOME             where config.yaml is read (model, providers), as for monoclaw

Examples:
  mom ./data                                  tools run on this machine (no isolation)
  ./docker.sh create ./data && mom --sandbox=docker:mom-sandbox ./data
  mom --sandbox=docker-per-channel ./data     one container per channel (DMs: per user), each sees only its channel
`;

/**
 * Parses mom's command line. Returns the options, or `{ exit }` after
 * printing help or the version. Bad input throws a MomStartupError.
 */
export function parseMomArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: { out: (text: string) => void; err: (text: string) => void },
): MomOptions | MomInfoExit {
  const program = new Command("mom")
    .description("mom: a Slack bot whose tools (bash, read, write, edit, attach) run on this machine or in a Docker container.")
    .argument("<data-dir>", "mom's data directory (memory, logs, skills, events); mounted at /workspace in Docker mode")
    .addOption(
      new Option(
        "--sandbox <mode>",
        "where tools run: host, docker:<container>, or docker-per-channel[:<image>] (one container per channel, made by mom)",
      ).default("host"),
    )
    .option(
      "--allow-dangerous-sandbox",
      "with --sandbox=docker:<container>: use it even when it is --privileged or has an engine socket mounted (root on this machine); its other risks are only warned about",
      false,
    )
    .option("--model <provider/model>", "model to use (overrides `model` in config.yaml), e.g. anthropic/claude-sonnet-4-5")
    .option("--allow-user <ids>", "only these Slack user ids may ask mom (comma-separated, repeatable)", collect, [])
    .option("--allow-channel <ids>", "only serve these channel ids (comma-separated, repeatable)", collect, [])
    .option("--allow-bots", "answer mentions from other bots too", false)
    .option("--max-runs <n>", "runs at the same time across channels", positiveInt, 4)
    .option("--http-port <port>", "port of the HTTP Events API receiver (with MOM_SLACK_SIGNING_SECRET)", positiveInt)
    .version(momVersion(), "-V, --version")
    .helpOption("-h, --help", "show this help")
    .addHelpText("after", HELP_AFTER)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: () => undefined })
    .showSuggestionAfterError(true);

  try {
    program.parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") {
        return { exit: 0 };
      }
      throw new MomStartupError(
        `${error.message.replace(/^error: /, "")}\nUsage: mom [--sandbox=host|docker:<container>|docker-per-channel[:<image>]] [options] <data-dir>  (mom --help for more)`,
      );
    }
    throw error;
  }
  const opts = program.opts<{
    sandbox: string;
    allowDangerousSandbox: boolean;
    model?: string;
    allowUser: string[];
    allowChannel: string[];
    allowBots: boolean;
    maxRuns: number;
    httpPort?: number;
  }>();
  const users = [...opts.allowUser, ...splitList(env.MOM_ALLOW_USERS)];
  const channels = [...opts.allowChannel, ...splitList(env.MOM_ALLOW_CHANNELS)];
  return {
    dataDir: program.args[0] ?? "",
    sandbox: withDangerousSandboxAllowed(parseSandbox(opts.sandbox), opts.allowDangerousSandbox),
    ...(opts.model ? { model: opts.model } : {}),
    ...(users.length ? { allowUsers: new Set(users) } : {}),
    ...(channels.length ? { allowChannels: new Set(channels) } : {}),
    allowBots: opts.allowBots,
    maxRuns: opts.maxRuns,
    ...(opts.httpPort ? { httpPort: opts.httpPort } : {}),
  };
}

/** `--allow-dangerous-sandbox` rides on the docker:<container> spec; the other forms have nothing to allow. */
function withDangerousSandboxAllowed(spec: SandboxSpec, allow: boolean): SandboxSpec {
  if (!allow) return spec;
  if (spec.kind !== "docker") throw new MomStartupError("--allow-dangerous-sandbox goes with --sandbox=docker:<container>; leave it out for this sandbox.");
  return { ...spec, allowDangerous: true };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...splitList(value)];
}

function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a whole number greater than 0");
  return n;
}
