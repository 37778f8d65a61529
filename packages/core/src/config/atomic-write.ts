import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Replaces `file` with `data` atomically: the bytes go to a temporary file in
 * the same directory, are flushed to disk, and the temporary file is renamed
 * over the target. A reader sees the old or the new file, never a mix; on any
 * failure the old file is untouched and the temporary file removed.
 *
 * A symlink is followed (the link's target is replaced, the link kept). An
 * existing file keeps its permission bits; a new one gets `mode` (default
 * 0600: config files hold API keys), and missing parent directories are
 * created with 0700. The directory is flushed after the rename, so the new
 * name survives a crash too.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options?: { mode?: number }): Promise<void> {
  const target = await realpath(file).catch(() => file);
  const directory = dirname(target);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const mode = await stat(target).then(
    (info) => info.mode & 0o7777,
    () => options?.mode ?? 0o600,
  );
  const temporary = join(directory, `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temporary, "wx", mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temporary, mode);
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

/** Flushes a directory's entries to disk; a file system that cannot (some network mounts) is left as it is. */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported here: the rename itself is still atomic.
  }
}
