import { createRequire } from "node:module";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";

const { connectUpstream } = createRequire(import.meta.url)("./proxy/upstream-tunnel.cjs") as {
  connectUpstream(options: { address: string; port: number; timeoutMs: number; client: net.Socket; onBytes: (n: number) => void }): net.Socket;
};

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));

/** Byte i of the stream: a pattern where a chunk written twice, or read into a reused buffer too early, shows. */
const patternByte = (i: number) => (i * 7 + (i >> 16)) & 0xff;

/** An upstream that sends `total` pattern bytes as fast as its socket takes them, then ends. */
async function patternUpstream(total: number): Promise<number> {
  const server = net.createServer((socket) => {
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const size = Math.min(200_000, total - sent);
        const chunk = Buffer.alloc(size);
        for (let j = 0; j < size; j++) chunk[j] = patternByte(sent + j);
        sent += size;
        if (!socket.write(chunk)) return void socket.once("drain", pump);
      }
      socket.end();
    };
    pump();
  });
  closers.push(() => server.close());
  return listen(server);
}

/**
 * The proxy's side of a sandbox connection (`client`) and the sandbox's end of it, which reads in
 * bursts with pauses: the proxy's writes to it stay pending, so the tunnel must wait before it reuses a buffer.
 */
async function slowSandbox(): Promise<{ client: net.Socket; received: Promise<{ bytes: number; firstWrongAt: number; ended: boolean }> }> {
  let accept: (socket: net.Socket) => void = () => undefined;
  const accepted = new Promise<net.Socket>((resolve) => (accept = resolve));
  const server = net.createServer((socket) => accept(socket));
  closers.push(() => server.close());
  const port = await listen(server);
  const sandbox = net.connect(port, "127.0.0.1");
  closers.push(() => sandbox.destroy());
  const received = new Promise<{ bytes: number; firstWrongAt: number; ended: boolean }>((resolve) => {
    let bytes = 0;
    let firstWrongAt = -1;
    sandbox.on("data", (chunk: Buffer) => {
      for (let j = 0; j < chunk.length && firstWrongAt === -1; j++) if (chunk[j] !== patternByte(bytes + j)) firstWrongAt = bytes + j;
      bytes += chunk.length;
      if (Math.random() < 0.2) {
        sandbox.pause();
        setTimeout(() => sandbox.resume(), 5);
      }
    });
    sandbox.on("end", () => resolve({ bytes, firstWrongAt, ended: true }));
    sandbox.on("close", () => resolve({ bytes, firstWrongAt, ended: false }));
  });
  const client = await accepted;
  closers.push(() => client.destroy());
  return { client, received };
}

describe("egress proxy: the upstream half of a tunnel", () => {
  it("passes a 48 MiB download to a slow sandbox byte for byte: a read buffer is reused only after the sandbox's socket took all of it", async () => {
    const total = 48 * 1024 * 1024;
    const upstreamPort = await patternUpstream(total);
    const { client, received } = await slowSandbox();
    let counted = 0;
    const upstream = connectUpstream({ address: "127.0.0.1", port: upstreamPort, timeoutMs: 10_000, client, onBytes: (n) => (counted += n) });
    closers.push(() => upstream.destroy());
    const result = await received;
    expect(result).toEqual({ bytes: total, firstWrongAt: -1, ended: true });
    expect(counted).toBe(total);
  }, 120_000);

  it("passes a small answer on at once and ends the sandbox's side when the upstream ends (positive control for the bulk case)", async () => {
    const server = net.createServer((socket) => socket.end(Buffer.from([0, 7, 14, 21])));
    closers.push(() => server.close());
    const port = await listen(server);
    const { client, received } = await slowSandbox();
    const upstream = connectUpstream({ address: "127.0.0.1", port, timeoutMs: 10_000, client, onBytes: () => undefined });
    closers.push(() => upstream.destroy());
    expect(await received).toEqual({ bytes: 4, firstWrongAt: -1, ended: true });
  });
});
