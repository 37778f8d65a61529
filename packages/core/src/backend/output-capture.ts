import { closeSync, mkdirSync, openSync, unlinkSync, writeSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { DEFAULT_OUTPUT_CAP_BYTES, DEFAULT_SPILL_CAP_BYTES, type CapturedOutput } from "./exec-types.js";
import { ensureProcessSpillDirectory, processSpillDirectory } from "./spill-directory.js";

/** Where spill files go unless a capture is told otherwise: this process's own `<os.tmpdir()>/monoclaw-output/<pid>-<start>`. */
export function defaultSpillDirectory(): string {
  return processSpillDirectory();
}

export interface OutputCaptureOptions {
  /** In-memory cap in bytes (head and tail, half each). Default {@link DEFAULT_OUTPUT_CAP_BYTES}. */
  maxBytes?: number;
  /** Directory for the spill file, created (mode 0700) when first needed. Default {@link defaultSpillDirectory}. */
  spillDirectory?: string;
  /** Most bytes the spill file takes; the rest is counted, not stored. 0: no spill file. Default {@link DEFAULT_SPILL_CAP_BYTES}. */
  maxSpillBytes?: number | undefined;
  /** Word put in the spill file's name, e.g. `stdout`. */
  label?: string;
}

/** One output stream being captured; see {@link createOutputCapture}. */
export interface OutputCapture {
  /** Appends a chunk. The bytes are copied: the caller may reuse `chunk`. */
  write(chunk: Uint8Array): void;
  /** Bytes written so far. */
  readonly totalBytes: number;
  /** Writes what is pending, closes the spill file and returns the capture. Later writes are ignored. Idempotent. */
  finish(): CapturedOutput;
}

const EMPTY = new Uint8Array(0);
/** Spill writes are batched up to this many bytes (taken from the tail ring, so no extra memory). */
const SPILL_BATCH_BYTES = 256 * 1024;

/**
 * Captures one output stream with bounded memory.
 *
 * Up to `maxBytes` everything is kept in memory. The first byte past the cap
 * opens a spill file (mode 0600) and writes the WHOLE stream to it, including
 * what was already seen; from then on memory holds only the first
 * `maxBytes/2` bytes (head) and the last `maxBytes - maxBytes/2` (tail, a ring
 * buffer). The file is appended synchronously, straight from the ring buffer
 * in batches of up to 256 KiB, so nothing queues up in memory however fast
 * the producer is, and the file is complete when `finish` returns.
 *
 * The spill file stops at `maxSpillBytes` (default 64 MiB): later bytes are
 * counted in `totalBytes` and still reach the tail, and `spillCappedAt`
 * says where the file ends.
 *
 * If the spill file cannot be written (disk full, ...) the partial file is
 * removed and capture goes on with head and tail only: `truncated` is true and
 * `spillPath` is absent. The caller owns the spill file (see
 * {@link discardCapturedOutput}).
 */
export function createOutputCapture(options: OutputCaptureOptions = {}): OutputCapture {
  const maxBytes = options.maxBytes ?? DEFAULT_OUTPUT_CAP_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new TypeError(`maxOutputBytes must be a non-negative integer, got ${maxBytes}`);
  }
  const maxSpillBytes = options.maxSpillBytes ?? DEFAULT_SPILL_CAP_BYTES;
  if (!Number.isSafeInteger(maxSpillBytes) || maxSpillBytes < 0) {
    throw new TypeError(`maxSpillBytes must be a non-negative integer, got ${maxSpillBytes}`);
  }
  const headCap = Math.floor(maxBytes / 2);
  const tailCap = maxBytes - headCap;
  const batchBytes = Math.max(1, Math.min(SPILL_BATCH_BYTES, Math.floor(tailCap / 2)));

  // Before the cap: every chunk, in order.
  let chunks: Uint8Array[] | undefined = [];
  let total = 0;
  // After the cap: head, tail ring buffer, spill file.
  let head = EMPTY;
  let ring = EMPTY;
  let ringStart = 0; // physical index of the oldest byte in the ring
  let ringLength = 0;
  let pushed = 0; // bytes that went through pushAfterCap
  let flushed = 0; // of those, bytes already in the spill file (the rest are the ring's newest)
  let fd: number | undefined;
  let spillPath: string | undefined;
  let spilled = 0; // bytes in the spill file
  let spillCapped = false;
  let finished: CapturedOutput | undefined;

  const failSpill = (): void => {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already unusable
      }
    }
    if (spillPath !== undefined) {
      try {
        unlinkSync(spillPath);
      } catch {
        // never created
      }
    }
    fd = undefined;
    spillPath = undefined;
  };
  const writeAll = (all: Uint8Array): void => {
    if (fd === undefined || all.length === 0) return;
    const room = maxSpillBytes - spilled;
    const bytes = all.length > room ? all.subarray(0, room) : all;
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      spilled += bytes.length;
      if (bytes.length < all.length) {
        // The cap: the file keeps what it has, the rest is only counted.
        spillCapped = true;
        closeSync(fd);
        fd = undefined;
      }
    } catch {
      failSpill();
    }
  };
  // Writes the ring's newest `pushed - flushed` bytes to the file.
  const flush = (): void => {
    const pending = pushed - flushed;
    flushed = pushed;
    if (pending === 0 || fd === undefined) return;
    const from = (ringStart + ringLength - pending) % tailCap;
    const first = Math.min(pending, tailCap - from);
    writeAll(ring.subarray(from, from + first));
    writeAll(ring.subarray(0, pending - first));
  };
  const pushTail = (data: Uint8Array): void => {
    if (data.length >= tailCap) {
      ring.set(data.subarray(data.length - tailCap));
      ringStart = 0;
      ringLength = tailCap;
      return;
    }
    let writeAt = (ringStart + ringLength) % tailCap;
    let rest = data;
    while (rest.length > 0) {
      const n = Math.min(rest.length, tailCap - writeAt);
      ring.set(rest.subarray(0, n), writeAt);
      rest = rest.subarray(n);
      writeAt = (writeAt + n) % tailCap;
    }
    const overflow = ringLength + data.length - tailCap;
    if (overflow > 0) {
      ringStart = (ringStart + overflow) % tailCap;
      ringLength = tailCap;
    } else {
      ringLength += data.length;
    }
  };
  const pushAfterCap = (data: Uint8Array): void => {
    if (head.length < headCap) {
      const n = Math.min(headCap - head.length, data.length);
      const grown = new Uint8Array(head.length + n);
      grown.set(head);
      grown.set(data.subarray(0, n), head.length);
      head = grown;
    }
    if (tailCap === 0 || data.length >= tailCap) {
      // Too big for the ring: write it straight through.
      flush();
      writeAll(data);
      if (tailCap > 0) pushTail(data);
      pushed += data.length;
      flushed = pushed;
      return;
    }
    // Never overwrite bytes the file has not received yet.
    if (pushed + data.length - flushed > tailCap) flush();
    pushTail(data);
    pushed += data.length;
    if (pushed - flushed >= batchBytes) flush();
  };
  const openSpill = (): void => {
    if (maxSpillBytes === 0) return;
    try {
      // The first spill of a process also clears what dead processes left behind.
      const own = ensureProcessSpillDirectory();
      const directory = options.spillDirectory ?? own;
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      const name = `${options.label ?? "output"}-${Date.now()}-${randomBytes(4).toString("hex")}.log`;
      spillPath = join(directory, name);
      fd = openSync(spillPath, "wx", 0o600);
    } catch {
      failSpill();
    }
  };

  return {
    get totalBytes() {
      return total;
    },
    write(chunk) {
      if (finished !== undefined || chunk.length === 0) return;
      total += chunk.length;
      if (chunks !== undefined) {
        if (total <= maxBytes) {
          chunks.push(new Uint8Array(chunk)); // a copy (Buffer#slice would be a view)
          return;
        }
        // Crossing the cap: everything seen so far goes to the file, head and tail.
        const seen = chunks;
        chunks = undefined;
        ring = new Uint8Array(tailCap);
        openSpill();
        for (const earlier of seen) pushAfterCap(earlier);
      }
      pushAfterCap(chunk);
    },
    finish() {
      if (finished !== undefined) return finished;
      if (chunks !== undefined) {
        finished = { head: concatBytes(chunks, total), tail: EMPTY, totalBytes: total, truncated: false };
        chunks = undefined;
        return finished;
      }
      flush();
      if (fd !== undefined) {
        try {
          closeSync(fd);
        } catch {
          failSpill();
        }
        fd = undefined;
      }
      const tail = new Uint8Array(ringLength);
      const firstPart = Math.min(ringLength, tailCap - ringStart);
      tail.set(ring.subarray(ringStart, ringStart + firstPart));
      tail.set(ring.subarray(0, ringLength - firstPart), firstPart);
      ring = EMPTY;
      finished = { head, tail, totalBytes: total, truncated: true };
      if (spillPath !== undefined) {
        finished.spillPath = spillPath;
        if (spillCapped) finished.spillCappedAt = spilled;
      }
      return finished;
    },
  };
}

function concatBytes(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Bytes of the output that were not kept in memory (0 when it was not truncated). */
export function omittedBytes(output: CapturedOutput): number {
  return output.totalBytes - output.head.length - output.tail.length;
}

/**
 * The captured bytes: the whole stream when it fitted under the cap;
 * otherwise head and tail joined (the middle is only in the spill file).
 */
export function capturedBytes(output: CapturedOutput): Uint8Array {
  if (output.tail.length === 0) return output.head;
  return concatBytes([output.head, output.tail], output.head.length + output.tail.length);
}

/**
 * The output as UTF-8 text for people and models: the whole stream when it
 * fitted; otherwise head, one marker line saying how many bytes were omitted
 * and where the full output is, and tail. A multi-byte character cut by the
 * head/tail boundary is dropped rather than shown as garbage.
 */
export function capturedText(output: CapturedOutput): string {
  const decoder = new TextDecoder();
  if (!output.truncated) return decoder.decode(output.head);
  const head = decoder.decode(output.head.subarray(0, utf8CompleteLength(output.head)));
  const tail = decoder.decode(output.tail.subarray(utf8ContinuationPrefix(output.tail)));
  const where =
    output.spillPath === undefined
      ? "the full output could not be saved"
      : output.spillCappedAt !== undefined
        ? `the first ${output.spillCappedAt} bytes are in ${output.spillPath} (the spill file's cap)`
        : `full output in ${output.spillPath}`;
  const marker = `[... ${omittedBytes(output)} bytes omitted (${output.totalBytes} in total); ${where} ...]`;
  const before = head.length === 0 || head.endsWith("\n") ? "" : "\n";
  const after = tail.length === 0 ? "" : "\n";
  return `${head}${before}${marker}${after}${tail}`;
}

/** Deletes the spill file of each output, if any. Never throws. */
export async function discardCapturedOutput(...outputs: CapturedOutput[]): Promise<void> {
  await Promise.all(outputs.map((o) => (o.spillPath === undefined ? undefined : rm(o.spillPath, { force: true }).catch(() => undefined))));
}

/** Length of the longest prefix of `bytes` that does not end inside a multi-byte UTF-8 sequence. */
function utf8CompleteLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(4, n); back++) {
    const byte = bytes[n - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/** Number of leading continuation bytes (the end of a character cut off at the start). */
function utf8ContinuationPrefix(bytes: Uint8Array): number {
  let i = 0;
  while (i < Math.min(3, bytes.length) && (bytes[i]! & 0xc0) === 0x80) i++;
  return i;
}
