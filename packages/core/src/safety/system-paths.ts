/**
 * Where a command's path argument points, as far as can be known before it
 * runs, and whether that place is one whose loss wrecks a machine.
 *
 * Paths are kept as strings: absolute (`/etc`), or under the home directory
 * (`~`, `~/x`), whose real location is not known here. `\0` stands for a part
 * whose value is unknown (a variable, a command substitution).
 */

/** Stands for an expansion whose value is not known. */
export const UNKNOWN = "\0";

/** Top-level directories of Linux and macOS whose recursive removal or re-permissioning breaks the system. */
const SYSTEM_DIRS = new Set([
  "bin",
  "boot",
  "dev",
  "etc",
  "home",
  "lib",
  "lib32",
  "lib64",
  "libx32",
  "nix",
  "opt",
  "proc",
  "root",
  "run",
  "sbin",
  "snap",
  "srv",
  "sys",
  "usr",
  "var",
  "Applications",
  "Library",
  "System",
  "Users",
  "Volumes",
  "private",
]);
/** Second-level directories that matter as much as their parent. */
const SYSTEM_SUBDIRS = new Set([
  "usr/bin",
  "usr/sbin",
  "usr/lib",
  "usr/lib64",
  "usr/libexec",
  "usr/share",
  "usr/include",
  "usr/local",
  "var/lib",
  "var/log",
  "private/etc",
  "private/var",
]);
/** Directories holding other users' homes: `/home/alice` is as precious as `~`. */
const HOME_PARENTS = new Set(["home", "Users"]);
/** Top-level directories whose files are system programs, libraries or configuration. */
const SYSTEM_FILE_DIRS = new Set(["bin", "boot", "etc", "lib", "lib32", "lib64", "libx32", "sbin", "usr", "System", "private"]);
/** Device files that are not disks: writing to them destroys nothing. */
const HARMLESS_DEVICES = /^\/dev\/(?:null|zero|full|random|urandom|stdin|stdout|stderr|tty\w*|console|pts\/.*|fd\/.*|shm\/.*)$/;
const DISK_DEVICES = /^\/dev\/(?:sd[a-z]|nvme\d|hd[a-z]|vd[a-z]|xvd[a-z]|mmcblk\d|disk\d|rdisk\d|md\d|dm-\d|mapper\/|loop\d)/;

/**
 * Resolves `text` against `cwd` (`undefined` when the working directory is
 * not known) and removes `.`, `..` and repeated slashes. Returns undefined
 * when the place cannot be known: a relative path in an unknown directory,
 * or a path that starts with an unknown part.
 */
export function resolvePath(text: string, cwd: string | undefined): string | undefined {
  if (text === "" || text.startsWith(UNKNOWN)) return undefined;
  let base: string;
  let rest: string;
  if (text.startsWith("/")) {
    base = "/";
    rest = text;
  } else if (text.startsWith("~") && !text.startsWith("~+") && !text.startsWith("~-")) {
    base = "~"; // `~` and `~user`: some home directory
    const slash = text.indexOf("/");
    rest = slash === -1 ? "" : text.slice(slash);
  } else {
    if (cwd === undefined) return undefined;
    base = cwd;
    rest = text.startsWith("~+") ? text.slice(2) : text;
  }
  const segments = base === "/" ? [] : base.split("/").filter((s) => s !== "");
  for (const segment of rest.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      // The parent of a home directory is where homes live.
      if (segments.length === 1 && segments[0] === "~") segments.splice(0, 1, "home");
      else segments.pop();
    } else {
      segments.push(segment);
    }
  }
  if (segments[0] === "~") return segments.join("/");
  return `/${segments.join("/")}`;
}

const GLOB = /[*?[]/;

/** Whether a glob segment can match (nearly) every name in its directory: `*`, `.*`, `?*`, `*.*`. */
function matchesEverything(segment: string): boolean {
  return /^[*?.]+$/.test(segment) || segment === "[!.]*" || segment === "[^.]*";
}

/** Whether `path` (as from `resolvePath`) names a directory itself precious: `/`, `~`, `/etc`, `/usr/lib`, `/home/alice`. */
function isPreciousDirectory(segments: string[]): boolean {
  if (segments.length === 0) return true; // `/`
  if (segments.length === 1) return segments[0] === "~" || SYSTEM_DIRS.has(segments[0]!);
  if (segments.length === 2) return SYSTEM_SUBDIRS.has(segments.join("/")) || HOME_PARENTS.has(segments[0]!);
  return false;
}

function segmentsOf(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

/**
 * Whether deleting (or re-permissioning) `path` recursively wrecks the
 * machine or a home: `/`, `~`, a system directory, or a glob that matches
 * (nearly) everything in one (`/*`, `~/*`, `/etc/*`; any glob right under
 * `/` or `~`, such as `/e*`). `glob` says whether `*?[` in it are live.
 */
export function isSystemTarget(path: string, glob: boolean): boolean {
  const segments = segmentsOf(path);
  const globAt = glob ? segments.findIndex((s) => GLOB.test(s)) : -1;
  if (globAt === -1) return isPreciousDirectory(segments);
  const parent = segments.slice(0, globAt);
  if (parent.length === 0 || (parent.length === 1 && parent[0] === "~")) return true;
  return globAt === segments.length - 1 && matchesEverything(segments[globAt]!) && isPreciousDirectory(parent);
}

/** Whether writing over `path` replaces a system program, library or configuration file (`/etc/passwd`, `/usr/bin/ls`). */
export function isSystemFile(path: string): boolean {
  const segments = segmentsOf(path);
  return segments.length >= 2 && SYSTEM_FILE_DIRS.has(segments[0]!);
}

/** Whether `path` is a disk (or partition) device, such as `/dev/sda` or `/dev/nvme0n1p2`. */
export function isDiskDevice(path: string): boolean {
  return DISK_DEVICES.test(path);
}

/** Whether `path` is a device file other than the harmless ones (`/dev/null`, `/dev/tty`, ...). */
export function isWritableDevice(path: string): boolean {
  return path.startsWith("/dev/") && !HARMLESS_DEVICES.test(path);
}
