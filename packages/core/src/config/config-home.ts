import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

export type Env = Readonly<Record<string, string | undefined>>;

/** File name of the config file inside the MonoClaw home directory. */
export const CONFIG_FILE_NAME = "config.yaml";

/** The user's home directory: `$HOME` when set, else the OS's answer. */
export function userHome(env: Env = process.env): string {
  const home = env.HOME;
  return home !== undefined && home !== "" ? home : homedir();
}

/**
 * The MonoClaw home directory: `$MONOCLAW_HOME` when set (a leading `~` is
 * expanded, a relative path resolves against `startDir`), else `~/.monoclaw`.
 * Never touches the file system.
 */
export function resolveMonoclawHome(env: Env = process.env, startDir: string = process.cwd()): string {
  const value = env.MONOCLAW_HOME;
  if (value === undefined || value === "") return join(userHome(env), ".monoclaw");
  const expanded = value === "~" || value.startsWith("~/") ? join(userHome(env), value.slice(1)) : value;
  return isAbsolute(expanded) ? expanded : resolve(startDir, expanded);
}

/** Path of `config.yaml` in the MonoClaw home directory. */
export function resolveConfigFile(env: Env = process.env, startDir: string = process.cwd()): string {
  return join(resolveMonoclawHome(env, startDir), CONFIG_FILE_NAME);
}
