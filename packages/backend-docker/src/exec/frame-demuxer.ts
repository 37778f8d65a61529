/** Stream numbers in Docker's multiplexed stream: 0 stdin, 1 stdout, 2 stderr. */
export type DockerStreamType = 0 | 1 | 2;

/**
 * Splits Docker's multiplexed exec/attach stream (an 8-byte header
 * `[type, 0, 0, 0, size:u32be]` before each payload) into stdout and stderr.
 *
 * Payloads are passed to `sink` as views into the incoming chunks: nothing is
 * copied except a header that straddles two chunks (8 bytes). A frame larger
 * than one chunk arrives as several `sink` calls. The sink must consume or copy
 * the bytes before returning if it keeps them past the next push (the views
 * stay valid, but the caller owns the chunk). `end` reports a stream cut off
 * inside a frame by returning false.
 */
export interface FrameDemuxer {
  push(chunk: Uint8Array): void;
  /** True when the stream ended on a frame boundary. */
  end(): boolean;
}

export function createFrameDemuxer(sink: (stream: DockerStreamType, payload: Uint8Array) => void): FrameDemuxer {
  const header = new Uint8Array(8);
  let headerFilled = 0;
  let remaining = 0;
  let stream: DockerStreamType = 1;

  return {
    push(chunk) {
      let offset = 0;
      const length = chunk.length;
      while (offset < length) {
        if (remaining > 0) {
          const take = Math.min(remaining, length - offset);
          sink(stream, chunk.subarray(offset, offset + take));
          offset += take;
          remaining -= take;
          continue;
        }
        if (headerFilled === 0 && length - offset >= 8) {
          // Fast path: the whole header is in this chunk.
          stream = normaliseType(chunk[offset]!);
          remaining = readSize(chunk, offset);
          offset += 8;
          continue;
        }
        const take = Math.min(8 - headerFilled, length - offset);
        header.set(chunk.subarray(offset, offset + take), headerFilled);
        headerFilled += take;
        offset += take;
        if (headerFilled === 8) {
          headerFilled = 0;
          stream = normaliseType(header[0]!);
          remaining = readSize(header, 0);
        }
      }
    },
    end() {
      return remaining === 0 && headerFilled === 0;
    },
  };
}

function readSize(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset + 4]! << 24) >>> 0) + (bytes[offset + 5]! << 16) + (bytes[offset + 6]! << 8) + bytes[offset + 7]!;
}

function normaliseType(type: number): DockerStreamType {
  // Type 0 (stdin) is only echoed on TTY-less attach to stdin; treat it as stdout like the docker CLI.
  return type === 2 ? 2 : 1;
}
