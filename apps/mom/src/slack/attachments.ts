import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/** The fields of a Slack file object mom uses. */
export interface SlackFile {
  id?: string;
  name?: string;
  title?: string;
  size?: number;
  url_private_download?: string;
  url_private?: string;
}

export interface DownloadedFile {
  name: string;
  /** Path relative to the data dir, e.g. `C123/attachments/1700000000.000100_report.pdf`. */
  path: string;
}

export interface DownloadOptions {
  botToken: string;
  /** Absolute host path of the channel's attachments/ directory. */
  attachmentsDir: string;
  /** The same directory relative to the data dir. */
  relativeDir: string;
  /** Message ts, used as a file name prefix so names never collide. */
  messageTs: string;
  /** Files larger than this are skipped with a note (default 100 MiB). */
  maxBytes?: number;
  signal?: AbortSignal;
}

/** What happened to each file: downloaded, or why not. */
export type DownloadOutcome = { ok: true; file: DownloadedFile } | { ok: false; name: string; reason: string };

/**
 * Downloads the files of a message into `attachments/`, authenticated with
 * the bot token. Writes go to a temporary name and are renamed when
 * complete, so a partial download never looks like a file. A file that is
 * too large, refused (401/403) or not a file (Slack answers an HTML login
 * page when the token lacks `files:read`) is reported, not thrown.
 */
export async function downloadAttachments(files: readonly SlackFile[], options: DownloadOptions): Promise<DownloadOutcome[]> {
  await mkdir(options.attachmentsDir, { recursive: true });
  const outcomes: DownloadOutcome[] = [];
  for (const file of files) outcomes.push(await downloadOne(file, options));
  return outcomes;
}

async function downloadOne(file: SlackFile, options: DownloadOptions): Promise<DownloadOutcome> {
  const original = file.name ?? file.title ?? file.id ?? "file";
  const url = file.url_private_download ?? file.url_private;
  if (!url) return { ok: false, name: original, reason: "Slack gave no download URL" };
  const maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
  if (file.size !== undefined && file.size > maxBytes) {
    return { ok: false, name: original, reason: `${file.size} bytes is over the ${maxBytes}-byte limit` };
  }
  const name = `${options.messageTs}_${safeName(original)}`;
  const target = join(options.attachmentsDir, name);
  const temp = `${target}.part`;
  try {
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${options.botToken}` },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!response.ok || !response.body) {
      return { ok: false, name: original, reason: `download answered HTTP ${response.status}` };
    }
    if ((response.headers.get("content-type") ?? "").startsWith("text/html") && !/\.html?$/i.test(original)) {
      return { ok: false, name: original, reason: "Slack answered a login page: give the app the files:read scope" };
    }
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received > maxBytes) callback(new Error(`over the ${maxBytes}-byte limit`));
        else callback(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), limit, createWriteStream(temp));
    await rename(temp, target);
    return { ok: true, file: { name: original, path: `${options.relativeDir}/${name}` } };
  } catch (error) {
    await rm(temp, { force: true });
    return { ok: false, name: original, reason: (error as Error).message };
  }
}

/** A file name safe on any file system: no directories, no control characters, at most 120 characters. */
export function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "file";
  const cleaned = base.replace(/[^\w.\- ]+/g, "_").replace(/^\.+/, "_").trim();
  return (cleaned || "file").slice(-120);
}
