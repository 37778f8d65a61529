import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import { BackendError, type BackendErrorCode } from "@monoclaw/core";
import { createFrameDemuxer } from "./frame-demuxer.js";

/**
 * The shell loop behind the file channel: POSIX sh (busybox ash, dash, bash).
 * Each request is three lines, `W`, `<length> <octal mode or ->`, `<path>`,
 * then exactly <length> raw bytes, which `dd ... iflag=fullblock` copies
 * without reading past them (busybox `head -c` would). The answer is one line,
 * `R<status>`: 0, or 2/13/20/21 (errno-like). Bytes of a refused write are
 * drained to /dev/null so the stream stays in step (redirections go on
 * `true`, not `:`, whose failed redirection would end a POSIX shell); a write failing midway
 * ends the loop (the channel is re-opened for the next request).
 */
const FILE_CHANNEL_LOOP = `while IFS= read -r op; do
IFS= read -r args; IFS= read -r p
set -- $args; len=$1; mode=$2; s=0
d=\${p%/*}; [ -n "$d" ] || d=/
if [ ! -d "$d" ]; then
  mkdir -p -- "$d" 2>/dev/null || { x=$d; while [ ! -e "$x" ]; do x=\${x%/*}; [ -n "$x" ] || x=/; done; if [ -d "$x" ]; then s=13; else s=20; fi; }
fi
if [ $s = 0 ] && [ -d "$p" ]; then s=21; fi
if [ $s = 0 ] && [ ! -e "$p" ] && [ "$mode" != - ]; then { true > "$p" && chmod "$mode" "$p"; } 2>/dev/null || s=13; fi
out=/dev/null
if [ $s = 0 ]; then if { true >> "$p"; } 2>/dev/null; then out=$p; else s=13; fi; fi
q=$((len / 65536)); r=$((len % 65536))
{
  if [ $q -gt 0 ]; then dd bs=65536 count=$q iflag=fullblock 2>/dev/null || exit 1; fi
  if [ $r -gt 0 ]; then dd bs=$r count=1 iflag=fullblock 2>/dev/null || exit 1; fi
} > "$out"
printf 'R%s\\n' "$s"
done`;

const STATUS_CODES: Record<string, BackendErrorCode> = { "2": "ENOENT", "13": "EACCES", "20": "ENOTDIR", "21": "EISDIR" };
const STATUS_TEXT: Record<string, string> = {
  "2": "no such file or directory",
  "13": "permission denied or read-only file system",
  "20": "a parent is not a directory",
  "21": "is a directory",
};

export interface FileChannelOptions {
  /** The engine and the running container's id (started or recreated as the backend allows). */
  container(): Promise<{ docker: Docker; containerId: string }>;
  user?: string;
  workingDir: string;
}

/** Writes files through one long-lived exec instead of one exec per write. */
export interface FileChannel {
  /** Writes `data` to an absolute container path; the contract of `ExecutionBackend.writeFile`. */
  write(path: string, data: Uint8Array, mode: number | undefined, signal?: AbortSignal): Promise<void>;
  /** Ends the loop (EOF on its stdin). Idempotent. */
  close(): void;
}

interface Live {
  stream: Duplex;
  lines: string[];
  waiters: ((line: string | undefined) => void)[];
  ended: boolean;
}

/**
 * A file channel: a `sh` loop in the container fed framed write requests on
 * the stdin of one exec, so a write costs one round trip on an open stream
 * (about what the bytes take to travel) instead of an exec's create, start and
 * inspect. Requests run one at a time. The loop is opened lazily and again
 * after it ended (idle stop, removed container, failed write). Paths holding
 * a newline cannot be framed; callers send those elsewhere.
 */
export function createFileChannel(options: FileChannelOptions): FileChannel {
  let live: Promise<Live> | undefined;
  let liveState: Live | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const open = async (): Promise<Live> => {
    const { docker, containerId } = await options.container();
    const exec = await docker.getContainer(containerId).exec({
      Cmd: ["/bin/sh", "-c", FILE_CHANNEL_LOOP],
      User: options.user,
      WorkingDir: options.workingDir,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
    const state: Live = { stream, lines: [], waiters: [], ended: false };
    let partial = "";
    const demuxer = createFrameDemuxer((type, payload) => {
      if (type !== 1) return;
      partial += Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("latin1");
      let newline: number;
      while ((newline = partial.indexOf("\n")) >= 0) {
        const line = partial.slice(0, newline);
        partial = partial.slice(newline + 1);
        const waiter = state.waiters.shift();
        if (waiter) waiter(line);
        else state.lines.push(line);
      }
    });
    const end = () => {
      if (state.ended) return;
      state.ended = true;
      if (liveState === state) {
        live = undefined;
        liveState = undefined;
      }
      for (const waiter of state.waiters.splice(0)) waiter(undefined);
    };
    stream.on("data", (chunk: Buffer) => demuxer.push(chunk));
    stream.on("end", end);
    stream.on("close", end);
    stream.on("error", end);
    liveState = state;
    return state;
  };

  const nextLine = (state: Live): Promise<string | undefined> => {
    const ready = state.lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (state.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => state.waiters.push(resolve));
  };

  const writeOnce = async (path: string, data: Uint8Array, mode: number | undefined, signal?: AbortSignal): Promise<void> => {
    const current = live ?? (live = open());
    let state: Live;
    try {
      state = await current;
    } catch (error) {
      if (live === current) live = undefined;
      throw error;
    }
    const header = `W\n${data.length} ${mode === undefined ? "-" : (mode & 0o7777).toString(8)}\n${path}\n`;
    const onAbort = () => state.stream.destroy();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      state.stream.write(header);
      if (data.length > 0) state.stream.write(data);
      const line = await nextLine(state);
      if (line === undefined) {
        if (signal?.aborted) throw new BackendError("IO", `Writing ${path} was aborted`, { path });
        throw new BackendError("IO", `Cannot write ${path} in the container: the write failed midway (disk full?) or the container stopped`, { path });
      }
      const status = line.slice(1);
      if (status !== "0") {
        throw new BackendError(STATUS_CODES[status] ?? "IO", `Cannot write ${path} in the container: ${STATUS_TEXT[status] ?? `status ${status}`}`, { path });
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  };

  return {
    write(path, data, mode, signal) {
      const result = queue.then(() => writeOnce(path, data, mode, signal));
      queue = result.catch(() => undefined);
      return result;
    },
    close() {
      const current = live;
      live = undefined;
      void current?.then((state) => state.stream.end()).catch(() => undefined);
    },
  };
}
