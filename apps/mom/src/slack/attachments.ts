import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { ConfinedDir } from "@monoclaw/core";

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
  /** The data dir (downloads never follow a link made in the sandbox). */
  files: ConfinedDir;
  /** The channel's attachments/ directory relative to the data dir (`C123/attachments`). */
  attachmentsDir: string;
  /** Message ts, used as a file name prefix so names never collide. */
  messageTs: string;
  /** The configured Web API URL (MOM_SLACK_API_URL): its origin may also receive the token. */
  apiUrl?: string;
  /** Files larger than this are skipped with a note (default 100 MiB). */
  maxBytes?: number;
  signal?: AbortSignal;
}

/** What happened to each file: downloaded, or why not. */
export type DownloadOutcome = { ok: true; file: DownloadedFile } | { ok: false; name: string; reason: string };

const MAX_REDIRECTS = 5;

/**
 * Whether the bot token may be sent to `url`: https to Slack's own hosts
 * (slack.com, *.slack.com such as files.slack.com, *.slack-edge.com), or
 * the origin (scheme, host, port) of the configured Web API URL.
 */
export function mayReceiveBotToken(url: URL, apiUrl?: string): boolean {
  if (apiUrl !== undefined && URL.canParse(apiUrl) && new URL(apiUrl).origin === url.origin) return true;
  if (url.protocol !== "https:") return false;
  const host = url.hostname.toLowerCase();
  return host === "slack.com" || host.endsWith(".slack.com") || host.endsWith(".slack-edge.com");
}

/**
 * Downloads the files of a message into `attachments/`, authenticated with
 * the bot token, which goes only to Slack's hosts ({@link mayReceiveBotToken}):
 * a URL elsewhere is not fetched at all, and redirects are followed by hand,
 * only to such hosts. Each file is written to a temporary name in the
 * (confined) attachments directory and renamed when complete, so a partial
 * download never looks like a file and a link planted in the sandbox is never
 * written through. A file that is too large, refused (401/403) or not a file
 * (Slack answers an HTML login page when the token lacks `files:read`) is
 * reported, not thrown.
 */
export async function downloadAttachments(files: readonly SlackFile[], options: DownloadOptions): Promise<DownloadOutcome[]> {
  try {
    await options.files.mkdirp(options.attachmentsDir);
  } catch (error) {
    const reason = `${options.attachmentsDir}/ cannot be used: ${(error as Error).message}`;
    return files.map((file) => ({ ok: false, name: file.name ?? file.title ?? file.id ?? "file", reason }));
  }
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
  const path = `${options.attachmentsDir}/${name}`;
  try {
    const response = await fetchWithToken(url, options);
    if (typeof response === "string") return { ok: false, name: original, reason: response };
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      return { ok: false, name: original, reason: `download answered HTTP ${response.status}` };
    }
    if ((response.headers.get("content-type") ?? "").startsWith("text/html") && !/\.html?$/i.test(original)) {
      await response.body.cancel();
      return { ok: false, name: original, reason: "Slack answered a login page: give the app the files:read scope" };
    }
    await options.files.writeFileAtomic(path, capped(response.body as WebReadableStream<Uint8Array>, maxBytes));
    return { ok: true, file: { name: original, path } };
  } catch (error) {
    return { ok: false, name: original, reason: (error as Error).message };
  }
}

/** GETs `url` with the bot token, following redirects only to hosts that may receive it; a string is the refusal. */
async function fetchWithToken(url: string, options: DownloadOptions): Promise<Response | string> {
  if (!URL.canParse(url)) return "Slack gave a download URL that is not a URL";
  let current = new URL(url);
  for (let hops = 0; ; hops += 1) {
    if (!mayReceiveBotToken(current, options.apiUrl)) {
      const what = hops === 0 ? "the download URL points" : "the download was redirected";
      return `not downloaded: ${what} to ${current.origin}, which is not Slack; mom sends her bot token only to slack.com, *.slack.com, *.slack-edge.com${options.apiUrl ? " and the configured API host" : ""}`;
    }
    const response = await fetch(current, {
      headers: { Authorization: `Bearer ${options.botToken}` },
      redirect: "manual",
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const location = response.headers.get("location");
    if (response.status < 300 || response.status > 399 || location === null) return response;
    await response.body?.cancel();
    if (hops >= MAX_REDIRECTS) return `not downloaded: more than ${MAX_REDIRECTS} redirects`;
    current = new URL(location, current);
  }
}

/** The body's chunks, failing once more than `maxBytes` arrived (the temporary file is then removed). */
async function* capped(body: WebReadableStream<Uint8Array>, maxBytes: number): AsyncIterable<Uint8Array> {
  let received = 0;
  for await (const chunk of Readable.fromWeb(body) as AsyncIterable<Uint8Array>) {
    received += chunk.length;
    if (received > maxBytes) throw new Error(`over the ${maxBytes}-byte limit`);
    yield chunk;
  }
}

/** A file name safe on any file system: no directories, no control characters, at most 120 characters. */
export function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "file";
  const cleaned = base
    .replace(/[^\w.\- ]+/g, "_")
    .replace(/^\.+/, "_")
    .trim();
  return (cleaned || "file").slice(-120);
}
