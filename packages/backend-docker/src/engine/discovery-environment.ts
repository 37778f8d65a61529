import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";

/**
 * What engine discovery may look at. Strategies read only this, so each can be
 * tested with a made-up environment and temporary directories.
 */
export interface DiscoveryEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  /** uid of the MonoClaw process (rootless sockets live under /run/user/<uid>). */
  uid: number;
  /** `terminal.docker.host`, when set. */
  configuredHost?: string;
  exists(path: string): boolean;
  readText(path: string): string | undefined;
}

/** The discovery environment of the running process. */
export function processDiscoveryEnvironment(env: Readonly<Record<string, string | undefined>> = process.env, configuredHost?: string): DiscoveryEnvironment {
  return {
    env,
    homeDir: env.HOME || homedir(),
    uid: typeof process.getuid === "function" ? process.getuid() : 0,
    configuredHost,
    exists: (path) => existsSync(path),
    readText: (path) => {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return undefined;
      }
    },
  };
}
