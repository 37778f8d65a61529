import { execFile } from "node:child_process";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { BackendError } from "@monoclaw/core/backend";
import { readConfigFile } from "./read-config-file.js";
import type { SecretConfig } from "./secret-config.js";

/** A `from_command` has this long to print the value. */
const COMMAND_TIMEOUT_MS = 15_000;
/** Longer than any credential; a bigger output is a mistake, not a secret. */
const MAX_SECRET_BYTES = 64 * 1024;

export interface SecretSourceContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  homeDir?: string;
}

/**
 * Reads each secret's real value on MonoClaw's side. Fails closed: a source
 * that is unset, unreadable, empty or fails is an error naming the key and
 * the fix (never a silent empty value), and no message holds a value.
 */
export async function readSecretValues(secrets: Record<string, SecretConfig>, context: SecretSourceContext): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (const [name, secret] of Object.entries(secrets)) values.set(name, await readSecretValue(name, secret, context));
  return values;
}

/** A path from the config: `~/` is the home directory, a relative path is from the working directory. */
export const resolveSourcePath = (path: string, context: SecretSourceContext): string =>
  path.startsWith("~/") ? resolve(context.homeDir ?? homedir(), path.slice(2)) : resolve(context.cwd, path);

async function readSecretValue(name: string, secret: SecretConfig, context: SecretSourceContext): Promise<string> {
  const key = `terminal.docker.secrets.${name}`;
  const fail = (what: string, fix: string): never => {
    throw new BackendError("INVALID", `${key}: ${what}; ${fix}`);
  };
  let value: string;
  if (secret.from_env !== undefined) {
    value =
      context.env[secret.from_env] ?? fail(`from_env ${secret.from_env} is not set in MonoClaw's environment`, `export ${secret.from_env}=... before starting`);
  } else if (secret.from_file !== undefined) {
    const path = resolveSourcePath(secret.from_file, context);
    value = await readConfigFile(path, MAX_SECRET_BYTES + 2).catch((error: Error) =>
      fail(`from_file ${path} cannot be read (${error.message})`, "point from_file at a readable file holding the value"),
    );
    value = value.replace(/\r?\n$/, "");
  } else {
    value = await runSourceCommand(secret.from_command ?? "", context).catch((error: Error) =>
      fail(`from_command failed: ${error.message}`, "fix the command (it must print the value and exit 0) or use from_env"),
    );
  }
  if (value.length === 0) fail("the value is empty", "set a non-empty value");
  if (Buffer.byteLength(value) > MAX_SECRET_BYTES) fail(`the value is longer than ${MAX_SECRET_BYTES} bytes`, "give the credential itself");
  if (/[\r\n\0]/.test(value)) fail("the value holds a line break or NUL, which cannot travel in a header", "give the credential on one line");
  return value;
}

function runSourceCommand(command: string, context: SecretSourceContext): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      "/bin/sh",
      ["-c", command],
      { cwd: context.cwd, env: context.env, timeout: COMMAND_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: MAX_SECRET_BYTES * 2, encoding: "utf8" },
      (error, stdout, stderr) => {
        // Never stdout in a message (it may hold the value): the first line of stderr says why.
        if (error) {
          const why = error.killed ? `it ran longer than ${COMMAND_TIMEOUT_MS / 1000} s` : `exit code ${String(error.code)}`;
          const printed = stdout.trim();
          const line = stderr.trim().split("\n")[0]?.slice(0, 200);
          // Nor the error line when it holds what was printed (a `set -x` trace of the value).
          const said = printed && line?.includes(printed) ? "(its error output holds what it printed, so it is not shown)" : line;
          return reject(new Error(`${why}${said ? `: ${said}` : ""}`));
        }
        resolvePromise(stdout.trim());
      },
    );
  });
}
