/**
 * Host paths the mount policy protects (see `mount-policy.ts`). Plain data:
 * the rules that use it live in the policy.
 */

/**
 * Trees of the host system: never mounted, nor anything under them, nor any
 * directory holding them. Writing there changes what the host runs as root
 * (`/usr/lib`, `/lib/x86_64-linux-gnu`, `/opt`, `/snap`, `/nix`), reads its
 * secrets (`/etc/shadow`), or reaches its services (`/run`, `/var/run` hold
 * the engine's socket and containerd's). `/lib`, `/lib32`, `/lib64`,
 * `/libx32` and `/libexec` are matched by {@link isLibTree}. `/var/cache`
 * is here because apt and other package managers running as root on the host
 * install what they find there. `/srv` (data the host serves) is not: a
 * project directory under it is an ordinary mount. macOS's own trees are
 * listed with their `/private` real paths.
 */
export const SYSTEM_TREES: readonly string[] = [
  "/etc",
  "/usr",
  "/bin",
  "/sbin",
  "/boot",
  "/proc",
  "/sys",
  "/dev",
  "/run",
  "/var/run",
  "/var/lib",
  "/var/log",
  "/var/spool",
  "/var/cache",
  "/var/mail",
  "/var/backups",
  "/opt",
  "/snap",
  "/nix",
  "/System",
  "/Library",
  "/private/etc",
  "/private/var/run",
  "/private/var/db",
  "/private/var/log",
  "/private/var/root",
];

/** `/root`: a system tree unless it is the user's home (then the home rules apply). */
export const ROOT_HOME = "/root";

/** Directories that hold every user's home: `/home` and `/Users`, and each `/home/<user>` in them. */
export const HOME_PARENTS: readonly string[] = ["/home", "/Users"];

/** The top-level library tree holding `path`, if any: `/lib`, `/lib32`, `/lib64`, `/libx32`, `/libexec` (not `/library-code`). */
export function isLibTree(path: string): string | undefined {
  return /^\/lib(?:32|64|x32|exec)?(?=\/|$)/.exec(path)?.[0];
}

/**
 * Key and credential files and directories, relative to a home directory.
 * A writable mount of one (or of anything under one) lets the container steal
 * or plant credentials; `:ro` is allowed for the path itself, since mounting
 * `~/.ssh:ro` for git is a deliberate choice. `~/.monoclaw` holds MonoClaw's
 * own config with the model's API keys.
 */
export const CREDENTIAL_PATHS: readonly string[] = [
  ".ssh",
  ".gnupg",
  ".aws",
  ".azure",
  ".kube",
  ".docker",
  ".oci",
  ".config/gcloud",
  ".config/gh",
  ".config/hub",
  ".config/op",
  ".config/doctl",
  ".config/rclone",
  ".config/git/credentials",
  ".netrc",
  ".npmrc",
  ".pypirc",
  ".git-credentials",
  ".pgpass",
  ".my.cnf",
  ".s3cfg",
  ".boto",
  ".vault-token",
  ".terraform.d",
  ".password-store",
  ".local/share/keyrings",
  ".cargo/credentials",
  ".cargo/credentials.toml",
  ".gem/credentials",
  ".monoclaw",
];

/**
 * File names of container engine and runtime sockets: any of them reachable
 * from a container gives it root on the host. A `*.sock` in a directory named
 * `run` is treated as one too (see {@link isEngineSocketPath}).
 */
export const ENGINE_SOCKET_NAMES: readonly string[] = [
  "docker.sock",
  "podman.sock",
  "containerd.sock",
  "containerd.sock.ttrpc",
  "crio.sock",
  "buildkitd.sock",
  "cri-dockerd.sock",
  "dockershim.sock",
  "kubelet.sock",
];

/** Whether `path` names an engine or runtime socket by its name, or is a `*.sock` under a `run` directory. */
export function isEngineSocketPath(path: string): boolean {
  const segments = path.split("/").filter(Boolean);
  const name = segments[segments.length - 1] ?? "";
  if (ENGINE_SOCKET_NAMES.includes(name)) return true;
  return name.endsWith(".sock") && segments.slice(0, -1).some((segment) => segment === "run" || segment === ".run");
}
