import type Docker from "dockerode";
import { statusCodeOf } from "../engine/engine-errors.js";
import { createFrameDemuxer } from "../exec/frame-demuxer.js";
import { egressProxyName } from "./egress-names.js";

/** One decision of the egress proxy, as it logged it. */
export interface EgressRecord {
  time: string;
  sandbox: string;
  /** `allowed`, `refused`, `failed` (allowed, but the upstream did not answer); absent for proxy events. */
  decision?: "allowed" | "refused" | "failed";
  /** `listening`, `policy`, `policy-error`: the proxy's own events. */
  event?: string;
  method?: string;
  host?: string;
  port?: number;
  address?: string;
  rule?: string;
  reason?: string;
  bytes_up?: number;
  bytes_down?: number;
  [key: string]: unknown;
}

export interface ReadEgressLogOptions {
  /** Keep reading as the proxy logs more, until `signal` aborts. */
  follow?: boolean;
  /** Only what the proxy logged from this second on (Unix time). */
  sinceSeconds?: number;
  signal?: AbortSignal;
  onRecord: (record: EgressRecord) => void;
}

/**
 * Reads a sandbox's egress decisions: the JSON lines the proxy writes to its
 * standard output, kept by the engine (the sandbox cannot write them).
 * Resolves false when the sandbox has no egress proxy.
 */
export async function readEgressLog(docker: Docker, sandboxName: string, options: ReadEgressLogOptions): Promise<boolean> {
  const container = docker.getContainer(egressProxyName(sandboxName));
  let stream: NodeJS.ReadableStream;
  const since = options.sinceSeconds !== undefined ? { since: options.sinceSeconds } : {};
  try {
    stream = options.follow
      ? await container.logs({ stdout: true, stderr: false, follow: true, ...since, ...(options.signal ? { abortSignal: options.signal } : {}) })
      : ((await container.logs({ stdout: true, stderr: false, follow: false, ...since })) as unknown as NodeJS.ReadableStream);
  } catch (error) {
    if (statusCodeOf(error) === 404) return false;
    throw error;
  }
  let pending = "";
  const emitLines = (final: boolean) => {
    const lines = pending.split("\n");
    pending = final ? "" : (lines.pop() ?? "");
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        options.onRecord(JSON.parse(line) as EgressRecord);
      } catch {
        // A line that is not JSON (a crash trace on stdout) is not a decision.
      }
    }
  };
  const demuxer = createFrameDemuxer((streamType, payload) => {
    if (streamType !== 1) return;
    pending += Buffer.from(payload).toString("utf8");
    emitLines(false);
  });
  // Without follow, dockerode buffers the whole log into one Buffer.
  if (Buffer.isBuffer(stream)) {
    demuxer.push(stream);
    emitLines(true);
    return true;
  }
  await new Promise<void>((resolve, reject) => {
    options.signal?.addEventListener("abort", () => resolve(), { once: true });
    stream.on("data", (chunk: Buffer) => demuxer.push(chunk));
    stream.on("end", () => resolve());
    stream.on("close", () => resolve());
    stream.on("error", (error: Error) => (options.signal?.aborted ? resolve() : reject(error)));
  });
  emitLines(true);
  return true;
}

/** One line for a person: `time  REFUSED  CONNECT denied.test:443  not in terminal.docker.egress.allow`. */
export function formatEgressRecord(record: EgressRecord): string {
  if (record.event)
    return `${record.time}  ${record.event.toUpperCase()}${record.event === "policy" ? `  allow ${JSON.stringify(record.allow)} deny ${JSON.stringify(record.deny)}` : ""}`;
  const target = `${record.method ?? "?"} ${record.host ?? "?"}:${record.port ?? "?"}`;
  const detail =
    record.decision === "allowed"
      ? `${record.rule ?? ""} -> ${record.address ?? "?"}, ${record.bytes_up ?? 0} B up, ${record.bytes_down ?? 0} B down`
      : (record.reason ?? record.rule ?? String(record.error ?? ""));
  return `${record.time}  ${(record.decision ?? "?").toUpperCase().padEnd(7)}  ${target}  ${detail}`;
}
