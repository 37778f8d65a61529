import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

/**
 * The shell to use: `configured` when given (a path, or a name looked up on
 * PATH), else `bash` when it is on PATH, else `/bin/sh`. Returns undefined
 * when the configured shell cannot be found.
 */
export function findHostShell(configured: string | undefined, path: string | undefined): string | undefined {
  if (configured !== undefined) return isAbsolute(configured) ? (isExecutable(configured) ? configured : undefined) : findOnPath(configured, path);
  return findOnPath("bash", path) ?? (isExecutable("/bin/sh") ? "/bin/sh" : findOnPath("sh", path));
}

/** The first executable `name` in the directories of `path` (a PATH value; default /usr/local/bin:/usr/bin:/bin). */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const directory of (path ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter)) {
    if (directory === "") continue;
    const candidate = join(directory, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The arguments that make `shell` read commands from stdin without loading rc files. */
export function shellStdinArgs(shell: string): string[] {
  return /(^|\/)bash$/.test(shell) ? ["--noprofile", "--norc", "-s"] : ["-s"];
}
