import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerBackend } from "../docker-backend.js";
import { processDiscoveryEnvironment } from "./discovery-environment.js";
import { connectEngine } from "./engine-discovery.js";
import { BUSYBOX, containerNames, text } from "../docker.test-helpers.js";

const names = containerNames("mc-test-tls");
const dir = mkdtempSync(join(tmpdir(), "monoclaw-tls-"));
const clientDir = join(dir, "client");
const noCertDir = join(dir, "nocert");
let server: Server;
let port = 0;
const sockets = new Set<import("node:net").Socket>();

function openssl(...args: string[]) {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as `docker context` / DOCKER_CERT_PATH expect them. */
function makeCertificates() {
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "1", "-subj", "/CN=monoclaw test CA");
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    "-CAcreateserial",
    "-out",
    "server-cert.pem",
    "-days",
    "1",
    "-extfile",
    "server.ext",
  );
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client-key.pem", "-out", "client.csr", "-subj", "/CN=monoclaw client");
  openssl(
    "x509",
    "-req",
    "-in",
    "client.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    "-CAcreateserial",
    "-out",
    "client-cert.pem",
    "-days",
    "1",
    "-extfile",
    "client.ext",
  );
  mkdirSync(clientDir);
  writeFileSync(join(clientDir, "ca.pem"), readFileSync(join(dir, "ca.pem")));
  writeFileSync(join(clientDir, "cert.pem"), readFileSync(join(dir, "client-cert.pem")));
  writeFileSync(join(clientDir, "key.pem"), readFileSync(join(dir, "client-key.pem")));
  // A client certificate the engine's CA never signed.
  mkdirSync(noCertDir);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(noCertDir, "key.pem"),
      "-out",
      join(noCertDir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=stranger",
    ],
    { stdio: "pipe" },
  );
  writeFileSync(join(noCertDir, "ca.pem"), readFileSync(join(dir, "ca.pem")));
}

/** A remote engine in miniature: TLS with client certificates on 127.0.0.1, forwarding to the local engine. */
function startProxy(listenPort: number): Promise<void> {
  server = createServer(
    {
      key: readFileSync(join(dir, "server-key.pem")),
      cert: readFileSync(join(dir, "server-cert.pem")),
      ca: readFileSync(join(dir, "ca.pem")),
      requestCert: true,
      rejectUnauthorized: true,
      // Like dockerd: a client may close its stdin half and still read the output.
      allowHalfOpen: true,
    },
    (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      const engine = connect({ path: "/var/run/docker.sock", allowHalfOpen: true });
      socket.pipe(engine).pipe(socket);
      const close = () => {
        socket.destroy();
        engine.destroy();
      };
      socket.on("error", close);
      engine.on("error", close);
      socket.on("close", close);
      engine.on("close", close);
    },
  );
  return new Promise<void>((resolve) =>
    server.listen(listenPort, "127.0.0.1", () => {
      port = (server.address() as { port: number }).port;
      resolve();
    }),
  );
}

/** The engine goes away: no new connections, every open one (exec streams included) cut. */
async function stopProxy(): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve));
  for (const socket of sockets) socket.destroy();
  await closed;
}

beforeAll(async () => {
  makeCertificates();
  await startProxy(0);
});

afterAll(async () => {
  await names.cleanup();
  await new Promise((resolve) => (server?.listening ? server.close(resolve) : resolve(undefined)));
  rmSync(dir, { recursive: true, force: true });
});

describe("a TLS tcp:// engine endpoint with client certificates", () => {
  it("is found through DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH and runs commands, sessions and files", async () => {
    const hostEnv = { HOME: dir, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: clientDir };
    const backend = createDockerBackend({ image: BUSYBOX, network: "none", pull: "never", name: names.next(), hostEnv, idle_timeout: 0 });
    try {
      const connection = await backend.engine();
      expect(connection.endpoint).toMatchObject({ url: `tcp://127.0.0.1:${port}`, source: "DOCKER_HOST" });
      expect(text((await backend.exec("echo over tls")).stdout.head)).toBe("over tls\n");
      const session = await backend.openSession();
      await session.exec("cd /tmp");
      expect(text((await session.exec("pwd")).stdout.head)).toBe("/tmp\n");
      await session.close();
      await backend.writeFile("tls.bin", Buffer.from([0, 1, 2, 255]));
      expect([...(await backend.readFile("tls.bin"))]).toEqual([0, 1, 2, 255]);
      const engineCheck = (await backend.healthChecks()).find((check) => check.id === "docker.engine");
      expect(engineCheck).toMatchObject({ level: "ok" });
      expect(engineCheck?.message).toContain(`tcp://127.0.0.1:${port}, found by DOCKER_HOST`);
    } finally {
      await backend.dispose();
    }
  });

  it("reconnects after the engine went away and came back (as after an engine restart)", async () => {
    const hostEnv = { HOME: dir, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: clientDir };
    const backend = createDockerBackend({ image: BUSYBOX, network: "none", pull: "never", name: names.next(), hostEnv, idle_timeout: 0, keep_warm: true });
    try {
      const session = await backend.openSession();
      expect(text((await backend.exec("echo before")).stdout.head)).toBe("before\n");
      await session.exec("cd /tmp");
      await stopProxy();
      const down = (await backend.exec("echo during").catch((e: unknown) => e)) as Error;
      expect(down).toMatchObject({ name: "BackendError", code: "UNAVAILABLE" });
      expect(down.message).toMatch(/Docker engine|daemon/);
      await startProxy(port);
      expect(text((await backend.exec("echo after")).stdout.head)).toBe("after\n");
      const resumed = await session.exec("pwd");
      expect(resumed.exitCode).toBe(0);
      expect(text(resumed.stdout.head)).toBe("/workspace\n");
      await session.close();
    } finally {
      await backend.dispose();
    }
  });

  it("works as terminal.docker.host too, and fails clearly with a certificate the engine does not trust", async () => {
    const good = await connectEngine(
      processDiscoveryEnvironment({ HOME: dir, DOCKER_CERT_PATH: clientDir, DOCKER_TLS_VERIFY: "1" }, `tcp://127.0.0.1:${port}`),
    );
    expect(good.endpoint.source).toBe("terminal.docker.host");
    expect(good.engineVersion).toMatch(/^\d+\./);
    const error = (await connectEngine(
      processDiscoveryEnvironment({ HOME: dir, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: noCertDir }),
    ).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(`DOCKER_HOST (tcp://127.0.0.1:${port})`);
    // An explicit endpoint that fails is not silently replaced by the local socket.
    expect(error.message).not.toContain("default socket (unix://");
  });
});
