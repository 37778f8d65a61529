import { Buffer } from "node:buffer";

/** Finds one sentinel in a byte stream; see {@link createSentinelScanner}. */
export interface SentinelScanner {
  /**
   * Feeds a chunk. Bytes before the sentinel are passed to `emit` (as views
   * of the chunk, without copying when possible); returns the sentinel's
   * trailer (the text between the tag and the next `\n`) once complete, else
   * undefined. Bytes after the trailer's newline, and every later chunk, are
   * ignored.
   */
  push(chunk: Uint8Array): string | undefined;
  readonly done: boolean;
}

/**
 * Scans a stream for `tag` followed by a trailer and `\n`, wherever chunk
 * boundaries fall (inside the tag or the trailer) and whether or not the
 * output before it ends with a newline. Holds back only the few bytes that
 * could be the start of the tag; everything else is emitted as it arrives.
 */
export function createSentinelScanner(tag: string, emit: (chunk: Uint8Array) => void): SentinelScanner {
  const tagBytes = Buffer.from(tag, "utf8");
  let held: Buffer = Buffer.alloc(0);
  let trailer: number[] | undefined;
  let done = false;

  const readTrailer = (bytes: Buffer): string | undefined => {
    const newline = bytes.indexOf(0x0a);
    const part = newline < 0 ? bytes : bytes.subarray(0, newline);
    for (const byte of part) trailer!.push(byte);
    if (newline < 0) return undefined;
    done = true;
    return Buffer.from(trailer!).toString("utf8");
  };

  return {
    get done() {
      return done;
    },
    push(chunk) {
      if (done || chunk.length === 0) return undefined;
      const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (trailer !== undefined) return readTrailer(view);
      const data = held.length === 0 ? view : Buffer.concat([held, view]);
      const at = data.indexOf(tagBytes);
      if (at >= 0) {
        if (at > 0) emit(data.subarray(0, at));
        held = Buffer.alloc(0);
        trailer = [];
        return readTrailer(data.subarray(at + tagBytes.length));
      }
      const keep = partialTagSuffix(data, tagBytes);
      if (data.length > keep) emit(data.subarray(0, data.length - keep));
      held = keep === 0 ? Buffer.alloc(0) : Buffer.from(data.subarray(data.length - keep));
      return undefined;
    },
  };
}

/** Length of the longest suffix of `data` that is a proper prefix of `tag`. */
function partialTagSuffix(data: Buffer, tag: Buffer): number {
  const max = Math.min(tag.length - 1, data.length);
  for (let k = max; k > 0; k--) {
    if (data[data.length - k] !== tag[0]) continue;
    if (data.subarray(data.length - k).equals(tag.subarray(0, k))) return k;
  }
  return 0;
}
