import { describe, expect, it } from "vitest";
import { createFrameDemuxer, type DockerStreamType } from "./frame-demuxer.js";

function frame(type: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function collect(chunks: Uint8Array[]) {
  const out: Record<DockerStreamType, string> = { 0: "", 1: "", 2: "" };
  const demuxer = createFrameDemuxer((stream, payload) => {
    out[stream] += Buffer.from(payload).toString();
  });
  for (const chunk of chunks) demuxer.push(chunk);
  return { out, clean: demuxer.end() };
}

describe("createFrameDemuxer", () => {
  it("splits whole frames into stdout and stderr", () => {
    const { out, clean } = collect([Buffer.concat([frame(1, "hello "), frame(2, "oops"), frame(1, "world")])]);
    expect(out[1]).toBe("hello world");
    expect(out[2]).toBe("oops");
    expect(clean).toBe(true);
  });

  it("handles headers and payloads split at every byte boundary", () => {
    const whole = Buffer.concat([frame(1, "abc"), frame(2, "defgh"), frame(1, ""), frame(1, "ij")]);
    for (let cut = 1; cut < whole.length; cut++) {
      const { out, clean } = collect([whole.subarray(0, cut), whole.subarray(cut)]);
      expect(out[1], `cut at ${cut}`).toBe("abcij");
      expect(out[2], `cut at ${cut}`).toBe("defgh");
      expect(clean).toBe(true);
    }
    const bytes = [...whole].map((byte) => Uint8Array.of(byte));
    expect(collect(bytes).out[2]).toBe("defgh");
  });

  it("passes payloads as views into the incoming chunk, without copying", () => {
    const chunk = frame(1, "x".repeat(1000));
    const views: Uint8Array[] = [];
    const demuxer = createFrameDemuxer((_, payload) => views.push(payload));
    demuxer.push(chunk);
    expect(views).toHaveLength(1);
    expect(views[0]!.buffer).toBe(chunk.buffer);
  });

  it("reports a stream cut off inside a frame", () => {
    const { clean } = collect([frame(1, "abcdef").subarray(0, 10)]);
    expect(clean).toBe(false);
  });

  it("reads sizes above 2^31 without going negative", () => {
    const header = Buffer.from([2, 0, 0, 0, 0x80, 0, 0, 1]);
    const seen: number[] = [];
    const demuxer = createFrameDemuxer((stream, payload) => seen.push(stream, payload.length));
    demuxer.push(Buffer.concat([header, Buffer.alloc(16)]));
    expect(seen).toEqual([2, 16]);
    expect(demuxer.end()).toBe(false);
  });
});
