/**
 * The container user from `terminal.docker.user`: `host` becomes the uid:gid
 * MonoClaw runs as (so files created in bind mounts belong to the user, not
 * root); anything else (`1000`, `1000:1000`, `node`) is passed as written;
 * unset keeps the image's user.
 */
export function resolveContainerUser(user: string | undefined): string | undefined {
  if (user !== "host") return user;
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  const gid = typeof process.getgid === "function" ? process.getgid() : 0;
  return `${uid}:${gid}`;
}

/** Whether a Docker `User` value means root (unset means the image's user, usually root). */
export function isRootUser(user: string | undefined): boolean {
  if (user === undefined || user === "") return true;
  const name = user.split(":")[0];
  return name === "0" || name === "root";
}
