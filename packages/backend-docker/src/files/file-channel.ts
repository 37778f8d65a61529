import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import { BackendError, type BackendErrorCode } from "@monoclaw/core/backend";
import { createAttachedExec } from "../exec/container-exec.js";
import { createFrameDemuxer } from "../exec/frame-demuxer.js";
import { FILE_SIZE_SHELL_FUNCTION } from "./file-size-shell.js";
import { SPECIAL_FILE_SHELL_FUNCTION, SPECIAL_FILE_STATUS, specialFileStatusError } from "./special-file-status.js";

/**
 * The shell loop behind the file channel: POSIX sh (busybox ash, dash, bash).
 * Each request is three lines, `W`, `<length> <octal mode or ->`, `<path>`,
 * then exactly <length> raw bytes, which `dd ... iflag=fullblock` copies
 * without reading past them (busybox `head -c` would). The answer is one line,
 * `R<status>`: 0, or 2/13/20/21 (errno-like). Bytes of a refused write are
 * drained to /dev/null so the stream stays in step (redirections go on
 * `true`, not `:`, whose failed redirection would end a POSIX shell); a write failing midway
 * ends the loop (the channel is re-opened for the next request).
 * Devices, FIFOs and sockets are refused before anything is opened (never
 * waiting on a FIFO); a read's `args` is the caller's byte cap (or `-`); a
 * regular file whose size says 0 but that has bytes (procfs) answers `R99`:
 * the caller reads it with a script that streams to the end.
 */
const FILE_CHANNEL_LOOP = `${SPECIAL_FILE_SHELL_FUNCTION}
${FILE_SIZE_SHELL_FUNCTION}
while IFS= read -r op; do
IFS= read -r args; IFS= read -r p
s=0 lt=
if [ "$op" = R ]; then
  if [ -d "$p" ]; then s=21
  elif [ ! -e "$p" ]; then d=\${p%/*}; [ -n "$d" ] || d=/; if [ -e "$d" ] && [ ! -d "$d" ]; then s=20; else s=2; fi
  elif [ ! -r "$p" ]; then s=13
  else sk "$p"
  fi
  if [ $s != 0 ]; then printf 'R%s\\n' "$s"; continue; fi
  n=$(fsz "$p") || { printf 'R13\\n'; continue; }
  n=$((n + 0))
  if [ "$args" != - ] && [ $n -gt "$args" ]; then printf 'R${SPECIAL_FILE_STATUS.tooLarge}\\n'; continue; fi
  if [ $n = 0 ] && [ "$(head -c 1 -- "$p" 2>/dev/null | wc -c)" -gt 0 ]; then printf 'R99\\n'; continue; fi
  q=$((n / 65536)); r=$((n % 65536))
  printf 'D%s\\n' "$n"
  { cat -- "$p"; cat /dev/zero; } 2>/dev/null | {
    if [ $q -gt 0 ]; then dd bs=65536 count=$q iflag=fullblock 2>/dev/null; fi
    if [ $r -gt 0 ]; then dd bs=$r count=1 iflag=fullblock 2>/dev/null; fi
  }
  m=$(fsz "$p")
  printf 'E%s\\n' "$((m + 0))"
  continue
fi
set -- $args; len=$1; mode=$2
d=\${p%/*}; [ -n "$d" ] || d=/
if [ ! -d "$d" ]; then
  mkdir -p -- "$d" 2>/dev/null || { x=$d; while [ ! -e "$x" ]; do x=\${x%/*}; [ -n "$x" ] || x=/; done; if [ -d "$x" ]; then s=13; else s=20; fi; }
fi
if [ $s = 0 ] && [ -d "$p" ]; then s=21; fi
if [ $s = 0 ]; then sk "$p"; fi
if [ $s = 0 ]; then dl "$p"; fi
if [ $s = 0 ] && [ ! -e "$p" ] && [ "$mode" != - ]; then { true > "$p" && chmod "$mode" "$p"; } 2>/dev/null || s=13; fi
out=/dev/null
if [ $s = 0 ]; then if { true >> "$p"; } 2>/dev/null; then out=$p; else s=13; fi; fi
q=$((len / 65536)); r=$((len % 65536))
{
  if [ $q -gt 0 ]; then dd bs=65536 count=$q iflag=fullblock 2>/dev/null || exit 1; fi
  if [ $r -gt 0 ]; then dd bs=$r count=1 iflag=fullblock 2>/dev/null || exit 1; fi
} > "$out"
if [ $s = ${SPECIAL_FILE_STATUS.danglingLink} ]; then printf 'R%s %s\\n' "$s" "$lt"; else printf 'R%s\\n' "$s"; fi
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

/** Reads and writes files through one long-lived exec instead of one exec per call. */
export interface FileChannel {
  /** Writes `data` to an absolute container path; the contract of `ExecutionBackend.writeFile`. */
  write(path: string, data: Uint8Array, mode: number | undefined, signal?: AbortSignal): Promise<void>;
  /**
   * Reads an absolute container path. Resolves with undefined when the file
   * changed size while it was read (the caller reads it another way).
   */
  read(path: string, signal?: AbortSignal, maxBytes?: number): Promise<Uint8Array | undefined>;
  /** Ends the loop (EOF on its stdin). Idempotent. */
  close(): void;
}

/** What the current request waits for on stdout: a line, or exactly `target.length` bytes. */
type Want = { kind: "line"; resolve(line: string | undefined): void } | { kind: "bytes"; target: Uint8Array; filled: number; resolve(done: boolean): void };

interface Live {
  stream: Duplex;
  /** Stdout bytes not consumed yet (views of socket chunks, copied once into lines or the target). */
  pending: Uint8Array[];
  want: Want | undefined;
  ended: boolean;
}

/**
 * A file channel: a `sh` loop in the container fed framed requests on the
 * stdin of one exec, so a read or write costs one round trip on an open
 * stream (about what the bytes take to travel) instead of an exec's create,
 * start and inspect. Requests run one at a time. The loop is opened lazily
 * and again after it ended (idle stop, removed container, failed write,
 * abort). Paths holding a newline cannot be framed; callers send those
 * elsewhere.
 */
export function createFileChannel(options: FileChannelOptions): FileChannel {
  let live: Promise<Live> | undefined;
  let liveState: Live | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const pump = (state: Live): void => {
    while (state.want !== undefined && state.pending.length > 0) {
      const want = state.want;
      if (want.kind === "bytes") {
        const chunk = state.pending[0]!;
        const take = Math.min(chunk.length, want.target.length - want.filled);
        want.target.set(chunk.subarray(0, take), want.filled);
        want.filled += take;
        if (take === chunk.length) state.pending.shift();
        else state.pending[0] = chunk.subarray(take);
        if (want.filled === want.target.length) {
          state.want = undefined;
          want.resolve(true);
        }
        continue;
      }
      let newline = -1;
      let index = 0;
      for (; index < state.pending.length; index++) {
        newline = state.pending[index]!.indexOf(0x0a);
        if (newline >= 0) break;
      }
      if (newline < 0) return;
      const parts = state.pending.splice(0, index + 1);
      const last = parts[parts.length - 1]!;
      if (newline + 1 < last.length) state.pending.unshift(last.subarray(newline + 1));
      parts[parts.length - 1] = last.subarray(0, newline);
      state.want = undefined;
      want.resolve(Buffer.concat(parts).toString("utf8"));
    }
  };

  const open = async (): Promise<Live> => {
    const { docker, containerId } = await options.container();
    const exec = await createAttachedExec(docker, containerId, {
      cmd: ["/bin/sh", "-c", FILE_CHANNEL_LOOP],
      user: options.user,
      workingDir: options.workingDir,
      stdin: true,
    });
    const stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
    const state: Live = { stream, pending: [], want: undefined, ended: false };
    const demuxer = createFrameDemuxer((type, payload) => {
      if (type !== 1) return;
      state.pending.push(payload);
      pump(state);
    });
    const end = () => {
      if (state.ended) return;
      state.ended = true;
      if (liveState === state) {
        live = undefined;
        liveState = undefined;
      }
      const want = state.want;
      state.want = undefined;
      if (want?.kind === "line") want.resolve(undefined);
      else want?.resolve(false);
    };
    stream.on("data", (chunk: Buffer) => demuxer.push(chunk));
    stream.on("end", end);
    stream.on("close", end);
    stream.on("error", end);
    liveState = state;
    return state;
  };

  const nextLine = (state: Live): Promise<string | undefined> =>
    new Promise((resolve) => {
      if (state.ended && state.pending.length === 0) return resolve(undefined);
      state.want = { kind: "line", resolve };
      pump(state);
    });

  const nextBytes = (state: Live, target: Uint8Array): Promise<boolean> =>
    new Promise((resolve) => {
      if (target.length === 0) return resolve(true);
      state.want = { kind: "bytes", target, filled: 0, resolve };
      pump(state);
      if (state.ended && state.want !== undefined) {
        state.want = undefined;
        resolve(false);
      }
    });

  const connect = async (): Promise<Live> => {
    const current = live ?? (live = open());
    try {
      return await current;
    } catch (error) {
      if (live === current) live = undefined;
      throw error;
    }
  };

  /** Runs one request; an abort cuts the stream (the loop is re-opened next time). */
  const request = async <T>(path: string, verb: string, signal: AbortSignal | undefined, body: (state: Live) => Promise<T>): Promise<T> => {
    if (signal?.aborted) throw new BackendError("IO", `${verb} ${path} was aborted`, { path });
    const state = await connect();
    const onAbort = () => state.stream.destroy();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await body(state);
    } catch (error) {
      if (signal?.aborted) throw new BackendError("IO", `${verb} ${path} was aborted`, { path });
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  };

  const lost = (path: string, what: string): BackendError =>
    new BackendError("IO", `Cannot ${what} ${path} in the container: the stream to it ended midway (container stopped, or disk full)`, { path });

  const refused = (path: string, what: "read" | "write", answer: string, maxBytes?: number): BackendError => {
    const [status = "", ...detail] = answer.split(" ");
    return specialFileStatusError(what, path, Number(status), detail.join(" "), maxBytes) ?? plainRefusal(path, what, status);
  };
  const plainRefusal = (path: string, what: string, status: string): BackendError =>
    new BackendError(STATUS_CODES[status] ?? "IO", `Cannot ${what} ${path} in the container: ${STATUS_TEXT[status] ?? `status ${status}`}`, { path });

  const writeOnce = (path: string, data: Uint8Array, mode: number | undefined, signal?: AbortSignal): Promise<void> =>
    request(path, "Writing", signal, async (state) => {
      state.stream.write(`W\n${data.length} ${mode === undefined ? "-" : (mode & 0o7777).toString(8)}\n${path}\n`);
      if (data.length > 0) state.stream.write(data);
      const line = await nextLine(state);
      if (line === undefined) throw lost(path, "write");
      if (line !== "R0") throw refused(path, "write", line.slice(1));
    });

  const readOnce = (path: string, signal?: AbortSignal, maxBytes?: number): Promise<Uint8Array | undefined> =>
    request(path, "Reading", signal, async (state) => {
      state.stream.write(`R\n${maxBytes === undefined ? "-" : Math.floor(maxBytes)}\n${path}\n`);
      const line = await nextLine(state);
      if (line === undefined) throw lost(path, "read");
      // Bytes behind a size of 0 (procfs): the caller streams it instead.
      if (line === "R99") return undefined;
      if (line.startsWith("R")) throw refused(path, "read", line.slice(1), maxBytes);
      const size = Number(line.slice(1));
      if (!line.startsWith("D") || !Number.isSafeInteger(size)) throw lost(path, "read");
      const data = new Uint8Array(size);
      if (!(await nextBytes(state, data))) throw lost(path, "read");
      const after = await nextLine(state);
      if (after === undefined) throw lost(path, "read");
      return after === `E${size}` ? data : undefined;
    });

  const enqueue = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(run);
    queue = result.catch(() => undefined);
    return result;
  };

  return {
    write: (path, data, mode, signal) => enqueue(() => writeOnce(path, data, mode, signal)),
    read: (path, signal, maxBytes) => enqueue(() => readOnce(path, signal, maxBytes)),
    close() {
      const current = live;
      live = undefined;
      liveState = undefined;
      void current?.then((state) => state.stream.end()).catch(() => undefined);
    },
  };
}
