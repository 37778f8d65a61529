import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { StagedStdin } from "@monoclaw/core/backend";

/** Writes a session command's stdin to a private temporary file (mode 0600) that `release` deletes. */
export async function stageHostStdin(data: Uint8Array): Promise<StagedStdin> {
  const directory = join(tmpdir(), "monoclaw-stdin");
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const path = join(directory, `stdin-${process.pid}-${randomBytes(6).toString("hex")}`);
  await writeFile(path, data, { mode: 0o600 });
  return { path, release: () => rm(path, { force: true }).catch(() => undefined) };
}
