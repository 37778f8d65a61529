import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import tls from "node:tls";
import { egressProxySource } from "./egress-proxy-source.js";

/**
 * The real proxy program (the bundle the proxy container runs) as a child process listening on 127.0.0.1,
 * its state (policy, CA certificate) in `stateDir`; `onOutput` gets its decision log as it prints it.
 */
export async function startEgressProxyProcess(stateDir: string, onOutput: (text: string) => void): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["-e", egressProxySource()], {
    env: { PATH: process.env.PATH, MONOCLAW_EGRESS_STATE_DIR: stateDir, MONOCLAW_EGRESS_PORT: "0", MONOCLAW_EGRESS_LISTEN_SUBNET: "127.0.0.0/8" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
    onOutput(chunk.toString("utf8"));
  });
  for (let i = 0; i < 200 && !/"event":"listening"/.test(output); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  const listening = output.split("\n").find((line) => line.includes('"listening"'));
  if (!listening) throw new Error(`the proxy did not start: ${output}`);
  return { child, port: Number(JSON.parse(listening).port) };
}

/** Raw bytes written into one TLS connection through the proxy's CONNECT tunnel to localhost:`port`; everything the proxy answered until it closed. */
export function rawTlsThroughProxy(proxyPort: number, port: number, bytes: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const connect = http.request({ host: "127.0.0.1", port: proxyPort, method: "CONNECT", path: `localhost:${port}` });
    connect.on("connect", (_response, socket) => {
      const secure = tls.connect({ socket, servername: "localhost", ca }, () => secure.write(bytes));
      let answer = "";
      secure.on("data", (chunk: Buffer) => (answer += chunk.toString("utf8")));
      secure.on("close", () => resolve(answer));
      secure.on("error", reject);
    });
    connect.on("error", reject);
    connect.end();
  });
}
