import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { processDiscoveryEnvironment, type DiscoveryEnvironment } from "./discovery-environment.js";
import {
  configuredHostStrategy,
  connectEngine,
  defaultSocketStrategy,
  DISCOVERY_STRATEGIES,
  dockerContextStrategy,
  dockerHostEnvStrategy,
  podmanSocketStrategy,
  rootlessSocketStrategy,
} from "./engine-discovery.js";
import { identifyPodman } from "./podman-identity.js";

const scratch = mkdtempSync(join(tmpdir(), "monoclaw-discovery-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A made-up environment: only the listed paths exist. */
function fakeEnvironment(overrides: Partial<DiscoveryEnvironment> & { files?: Record<string, string> } = {}): DiscoveryEnvironment {
  const files = overrides.files ?? {};
  return {
    env: {},
    homeDir: "/home/me",
    uid: 1000,
    exists: (path) => path in files,
    readText: (path) => files[path],
    ...overrides,
  };
}

describe("discovery strategies, each on its own", () => {
  it("terminal.docker.host applies only when set", () => {
    expect(configuredHostStrategy.find(fakeEnvironment())).toBeUndefined();
    expect(configuredHostStrategy.find(fakeEnvironment({ configuredHost: "tcp://10.0.0.2:2376" }))).toEqual({
      url: "tcp://10.0.0.2:2376",
      source: "terminal.docker.host",
    });
  });

  it("DOCKER_HOST reads DOCKER_TLS_VERIFY and DOCKER_CERT_PATH", () => {
    expect(dockerHostEnvStrategy.find(fakeEnvironment())).toBeUndefined();
    expect(dockerHostEnvStrategy.find(fakeEnvironment({ env: { DOCKER_HOST: "unix:///x.sock" } }))).toEqual({ url: "unix:///x.sock", source: "DOCKER_HOST" });
    expect(dockerHostEnvStrategy.find(fakeEnvironment({ env: { DOCKER_HOST: "tcp://h:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/certs" } }))).toEqual({
      url: "tcp://h:2376",
      source: "DOCKER_HOST",
      tls: { certPath: "/certs", verify: true },
    });
    // DOCKER_TLS_VERIFY without a cert path: the docker CLI's default ~/.docker.
    expect(dockerHostEnvStrategy.find(fakeEnvironment({ env: { DOCKER_HOST: "tcp://h:2376", DOCKER_TLS_VERIFY: "1" } }))?.tls).toEqual({
      certPath: "/home/me/.docker",
      verify: true,
    });
  });

  it("Docker context: DOCKER_CONTEXT or currentContext, stored under the SHA-256 of the name", () => {
    const id = createHash("sha256").update("remote").digest("hex");
    const files = {
      "/home/me/.docker/config.json": JSON.stringify({ currentContext: "remote" }),
      [`/home/me/.docker/contexts/meta/${id}/meta.json`]: JSON.stringify({
        Name: "remote",
        Endpoints: { docker: { Host: "tcp://box:2376", SkipTLSVerify: false } },
      }),
      [`/home/me/.docker/contexts/tls/${id}/docker/cert.pem`]: "",
    };
    expect(dockerContextStrategy.find(fakeEnvironment({ files }))).toEqual({
      url: "tcp://box:2376",
      source: 'Docker context (currentContext in /home/me/.docker/config.json): "remote"',
      tls: { certPath: `/home/me/.docker/contexts/tls/${id}/docker`, verify: true },
    });
    expect(dockerContextStrategy.find(fakeEnvironment({ files, env: { DOCKER_CONTEXT: "default" } }))).toBeUndefined();
    expect(() => dockerContextStrategy.find(fakeEnvironment({ files, env: { DOCKER_CONTEXT: "gone" } }))).toThrowError(
      /context "gone" is selected but .* does not exist/,
    );
    expect(dockerContextStrategy.find(fakeEnvironment())).toBeUndefined();
  });

  it("default socket: /var/run/docker.sock, then Docker Desktop's ~/.docker/run/docker.sock", () => {
    expect(defaultSocketStrategy.find(fakeEnvironment())).toBeUndefined();
    expect(defaultSocketStrategy.find(fakeEnvironment({ files: { "/home/me/.docker/run/docker.sock": "" } }))?.url).toBe(
      "unix:///home/me/.docker/run/docker.sock",
    );
    expect(defaultSocketStrategy.find(fakeEnvironment({ files: { "/var/run/docker.sock": "" } }))?.url).toBe("unix:///var/run/docker.sock");
  });

  it("rootless socket: $XDG_RUNTIME_DIR/docker.sock or /run/user/<uid>/docker.sock", () => {
    expect(rootlessSocketStrategy.find(fakeEnvironment())).toBeUndefined();
    expect(rootlessSocketStrategy.find(fakeEnvironment({ files: { "/run/user/1000/docker.sock": "" } }))?.url).toBe("unix:///run/user/1000/docker.sock");
    expect(rootlessSocketStrategy.find(fakeEnvironment({ env: { XDG_RUNTIME_DIR: "/xdg" }, files: { "/xdg/docker.sock": "" } }))?.url).toBe(
      "unix:///xdg/docker.sock",
    );
  });

  it("Podman socket: rootless, then rootful", () => {
    expect(podmanSocketStrategy.find(fakeEnvironment())).toBeUndefined();
    expect(podmanSocketStrategy.find(fakeEnvironment({ files: { "/run/podman/podman.sock": "" } }))?.url).toBe("unix:///run/podman/podman.sock");
    expect(podmanSocketStrategy.find(fakeEnvironment({ files: { "/run/user/1000/podman/podman.sock": "" } }))?.url).toBe(
      "unix:///run/user/1000/podman/podman.sock",
    );
    expect(podmanSocketStrategy.find(fakeEnvironment({ env: { XDG_RUNTIME_DIR: "/xdg" }, files: { "/xdg/podman/podman.sock": "" } }))?.url).toBe(
      "unix:///xdg/podman/podman.sock",
    );
    // Both present: the user's own (rootless) socket first.
    const both = { "/run/podman/podman.sock": "", "/xdg/podman/podman.sock": "" };
    expect(podmanSocketStrategy.find(fakeEnvironment({ env: { XDG_RUNTIME_DIR: "/xdg" }, files: both }))?.url).toBe("unix:///xdg/podman/podman.sock");
  });

  it("tries them in the documented order", () => {
    expect(DISCOVERY_STRATEGIES.map((s) => s.name)).toEqual([
      "terminal.docker.host",
      "DOCKER_HOST",
      "Docker context",
      "default socket",
      "rootless Docker socket",
      "Podman socket",
    ]);
  });
});

describe("connectEngine against the real engine", () => {
  it("finds the engine on the default socket and reports where", async () => {
    const connection = await connectEngine(processDiscoveryEnvironment({ HOME: scratch }));
    expect(connection.endpoint).toEqual({ url: "unix:///var/run/docker.sock", source: "default socket" });
    expect(connection.engineVersion).toMatch(/^\d+\./);
    expect(connection.apiVersion).toMatch(/^1\.\d+$/);
  });

  it("uses DOCKER_HOST and a Docker context pointing at the engine", async () => {
    const viaEnv = await connectEngine(processDiscoveryEnvironment({ HOME: scratch, DOCKER_HOST: "unix:///var/run/docker.sock" }));
    expect(viaEnv.endpoint.source).toBe("DOCKER_HOST");

    const configDir = join(scratch, "docker-config");
    const id = createHash("sha256").update("local").digest("hex");
    mkdirSync(join(configDir, "contexts", "meta", id), { recursive: true });
    writeFileSync(join(configDir, "config.json"), JSON.stringify({ currentContext: "local" }));
    writeFileSync(
      join(configDir, "contexts", "meta", id, "meta.json"),
      JSON.stringify({ Name: "local", Endpoints: { docker: { Host: "unix:///var/run/docker.sock" } } }),
    );
    const viaContext = await connectEngine(processDiscoveryEnvironment({ HOME: scratch, DOCKER_CONFIG: configDir }));
    expect(viaContext.endpoint.source).toMatch(/Docker context .*"local"/);
  });

  it("connects once per process to a local socket: a second backend reuses the connection, with the strategy that found it this time", async () => {
    const first = await connectEngine(processDiscoveryEnvironment({ HOME: scratch }));
    const second = await connectEngine(processDiscoveryEnvironment({ HOME: scratch, DOCKER_HOST: "unix:///var/run/docker.sock" }));
    expect(second.docker).toBe(first.docker); // no second version round trip
    expect(second.endpoint.source).toBe("DOCKER_HOST");
    expect(first.endpoint.source).toBe("default socket");
    expect((await second.docker.version()).Version).toBe(first.engineVersion); // and it works
  });

  it("does not fall back when an explicit endpoint fails, and lists what it tried with the fix", async () => {
    const missing = join(scratch, "nothing.sock");
    const error = await connectEngine(processDiscoveryEnvironment({ HOME: scratch }, `unix://${missing}`)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "BackendError", code: "UNAVAILABLE" });
    expect((error as Error).message).toContain(`terminal.docker.host (unix://${missing}): socket does not exist`);
    expect((error as Error).message).toContain("Docker not found: install Docker");
  });

  it("lists every place tried when no socket answers", async () => {
    const environment = fakeEnvironment({ homeDir: scratch, exists: () => false });
    const error = (await connectEngine(environment).catch((e: unknown) => e)) as Error;
    for (const name of ["DOCKER_HOST", "Docker context", "default socket", "rootless Docker socket", "Podman socket"]) {
      expect(error.message).toContain(`${name}: not set or not present`);
    }
  });

  it("says Permission denied with the docker-group fix when the socket refuses us", async () => {
    const socket = { name: "default socket", explicit: false, find: () => ({ url: "unix:///var/run/docker.sock", source: "default socket" }) };
    const refuse = () => Promise.reject(Object.assign(new Error("connect EACCES /var/run/docker.sock"), { code: "EACCES" }));
    const error = (await connectEngine(fakeEnvironment(), [socket], refuse).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("default socket (unix:///var/run/docker.sock): permission denied");
    expect(error.message).toContain("Permission denied: add your user to the docker group");
  });
});

describe("the Podman socket strategy against the real Podman services (scripts/ensure-podman.sh)", () => {
  it("finds rootless Podman at $XDG_RUNTIME_DIR/podman/podman.sock and connects to it", async () => {
    const connection = await connectEngine(processDiscoveryEnvironment({ HOME: scratch, XDG_RUNTIME_DIR: "/run/user/1001" }), [podmanSocketStrategy]);
    expect(connection.endpoint).toEqual({ url: "unix:///run/user/1001/podman/podman.sock", source: "Podman socket" });
    expect(connection.engineVersion).toMatch(/^4\./);
    expect(await identifyPodman(connection.docker)).toMatchObject({ rootless: true });
  });

  it("finds rootful Podman at /run/podman/podman.sock when this user has no Podman socket of its own", async () => {
    const environment = processDiscoveryEnvironment({ HOME: scratch });
    expect(environment.exists(`/run/user/${environment.uid}/podman/podman.sock`)).toBe(false);
    const connection = await connectEngine(environment, [podmanSocketStrategy]);
    expect(connection.endpoint).toEqual({ url: "unix:///run/podman/podman.sock", source: "Podman socket" });
    expect(await identifyPodman(connection.docker)).toMatchObject({ rootless: false });
  });

  it("lands on Podman through the whole list on a machine without a Docker socket, and on Docker where there is one", async () => {
    const real = processDiscoveryEnvironment({ HOME: scratch, XDG_RUNTIME_DIR: "/run/user/1001" });
    const withoutDocker = { ...real, exists: (path: string) => !path.endsWith("/docker.sock") && existsSync(path) };
    const podman = await connectEngine(withoutDocker);
    expect(podman.endpoint).toEqual({ url: "unix:///run/user/1001/podman/podman.sock", source: "Podman socket" });
    expect(await identifyPodman(podman.docker)).toMatchObject({ rootless: true });
    // Positive control: the same environment with the Docker socket finds Docker first, as the documented order says.
    const docker = await connectEngine(real);
    expect(docker.endpoint.source).toBe("default socket");
    expect(await identifyPodman(docker.docker)).toBeUndefined();
  });
});
