import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { endpointToDockerOptions } from "./engine-endpoint.js";
import { SshDialAgent } from "./ssh-dial-agent.js";

const certs = mkdtempSync(join(tmpdir(), "monoclaw-endpoint-"));
for (const name of ["ca.pem", "cert.pem", "key.pem"]) writeFileSync(join(certs, name), `-- ${name} --`);
afterAll(() => rmSync(certs, { recursive: true, force: true }));

describe("endpointToDockerOptions", () => {
  it("maps unix:// and npipe:// to a socket path, never mixing in DOCKER_HOST", () => {
    expect(endpointToDockerOptions({ url: "unix:///run/user/1000/docker.sock", source: "t" })).toMatchObject({
      socketPath: "/run/user/1000/docker.sock",
      host: undefined,
      port: undefined,
    });
    expect(endpointToDockerOptions({ url: "npipe:////./pipe/docker_engine", source: "t" }).socketPath).toBe("//./pipe/docker_engine");
  });

  it("maps tcp:// to http, or https with the certificates of DOCKER_CERT_PATH", () => {
    expect(endpointToDockerOptions({ url: "tcp://10.0.0.5:2375", source: "t" })).toMatchObject({ host: "10.0.0.5", port: "2375", protocol: "http" });
    const tls = endpointToDockerOptions({ url: "tcp://box:2376", source: "t", tls: { certPath: certs, verify: true } });
    expect(tls).toMatchObject({ host: "box", port: "2376", protocol: "https" });
    expect(String(tls.ca)).toBe("-- ca.pem --");
    expect(String(tls.cert)).toBe("-- cert.pem --");
    expect(String(tls.key)).toBe("-- key.pem --");
    expect(endpointToDockerOptions({ url: "box:2376", source: "t" })).toMatchObject({ protocol: "https", port: "2376" });
  });

  it("maps ssh:// to HTTP over SSH dial-stdio channels (port 22 unless given)", () => {
    const options = endpointToDockerOptions({ url: "ssh://me@build-box:2222", source: "t" });
    expect(options).toMatchObject({ protocol: "http", host: "build-box", port: "2222" });
    expect((options as { agent?: unknown }).agent).toBeInstanceOf(SshDialAgent);
    expect(endpointToDockerOptions({ url: "ssh://build-box", source: "t" })).toMatchObject({ port: "22" });
  });

  it("names the endpoint, its source and the fix for bad input", () => {
    expect(() => endpointToDockerOptions({ url: "ftp://x", source: "DOCKER_HOST" })).toThrowError(
      /"ftp:\/\/x" \(DOCKER_HOST\) uses an unsupported scheme; use unix:\/\/, tcp:\/\/ or ssh:\/\//,
    );
    expect(() => endpointToDockerOptions({ url: "tcp://box:2376", source: "t", tls: { certPath: join(certs, "missing"), verify: true } })).toThrowError(
      /Cannot read the TLS certificates .* DOCKER_CERT_PATH must hold ca\.pem, cert\.pem and key\.pem/,
    );
    expect(() => endpointToDockerOptions({ url: "unix://", source: "t" })).toThrowError(/no socket path/);
  });
});
