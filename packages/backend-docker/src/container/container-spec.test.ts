import { describe, expect, it } from "vitest";
import { parseDockerConfig } from "../docker-config.js";
import { ADDED_CAPABILITIES, buildContainerSpec, containerNameForScope, scopedContainerName } from "./container-spec.js";
import { LABEL_CONFIG_HASH, LABEL_MANAGED_BY, LABEL_SCOPE_ID, LABEL_SCOPE_KIND } from "./container-labels.js";

const base = { name: "monoclaw-test", scope: "/home/me/app", binds: [] };

describe("buildContainerSpec", () => {
  it("is hardened by default", () => {
    const { options } = buildContainerSpec({ ...base, config: parseDockerConfig({}) });
    expect(options.HostConfig).toMatchObject({
      Init: true,
      CapDrop: ["ALL"],
      CapAdd: [...ADDED_CAPABILITIES],
      SecurityOpt: ["no-new-privileges:true"],
      PidsLimit: 1024,
      NetworkMode: "bridge",
      ReadonlyRootfs: false,
    });
    expect(options.HostConfig?.Tmpfs?.["/tmp"]).toContain("nosuid");
    expect(options.HostConfig?.Privileged).toBeUndefined();
    expect(options.Labels?.[LABEL_MANAGED_BY]).toBe("monoclaw");
  });

  it("maps limits and identity", () => {
    const { options } = buildContainerSpec({
      ...base,
      user: "1000:1000",
      config: parseDockerConfig({ memory: "512m", cpus: 1.5, pids_limit: 64, read_only_root: true, network: "none", env: { A: "1" } }),
    });
    // The user travels with each exec (see ContainerSpecInput.user), and changes the hash.
    expect(options.User).toBeUndefined();
    expect(buildContainerSpec({ ...base, config: parseDockerConfig({}) }).configHash).not.toBe(
      buildContainerSpec({ ...base, user: "1000:1000", config: parseDockerConfig({}) }).configHash,
    );
    expect(options.Env).toEqual(["LANG=C.UTF-8", "A=1"]);
    expect(options.HostConfig).toMatchObject({ Memory: 512 * 1024 * 1024, NanoCpus: 1.5e9, PidsLimit: 64, ReadonlyRootfs: true, NetworkMode: "none" });
  });

  it("never puts forward_env values in the container configuration", () => {
    const { options } = buildContainerSpec({ ...base, config: parseDockerConfig({ forward_env: ["GITHUB_TOKEN"] }) });
    expect(JSON.stringify(options)).not.toContain("GITHUB_TOKEN");
  });

  it("hashes the effective configuration: same settings same hash, any change a new one", () => {
    const a = buildContainerSpec({ ...base, config: parseDockerConfig({ network: "none" }), imageId: "sha256:1" });
    const b = buildContainerSpec({ ...base, config: parseDockerConfig({ network: "none" }), imageId: "sha256:1" });
    const c = buildContainerSpec({ ...base, config: parseDockerConfig({ network: "none", memory: "1g" }), imageId: "sha256:1" });
    const d = buildContainerSpec({ ...base, config: parseDockerConfig({ network: "none" }), imageId: "sha256:2" });
    expect(a.configHash).toBe(b.configHash);
    expect(c.configHash).not.toBe(a.configHash);
    expect(d.configHash).not.toBe(a.configHash);
    expect(a.options.Labels?.[LABEL_CONFIG_HASH]).toBe(a.configHash);
  });

  it("labels what the container serves without changing the config hash", () => {
    const config = parseDockerConfig({ network: "none" });
    const plain = buildContainerSpec({ ...base, config, imageId: "sha256:1" });
    const channel = buildContainerSpec({ ...base, config, imageId: "sha256:1", scopeOf: { kind: "channel", id: "C123" } });
    expect(plain.options.Labels?.[LABEL_SCOPE_KIND]).toBe("directory");
    expect(plain.options.Labels?.[LABEL_SCOPE_ID]).toBeUndefined();
    expect(channel.options.Labels).toMatchObject({ [LABEL_SCOPE_KIND]: "channel", [LABEL_SCOPE_ID]: "C123" });
    expect(channel.configHash).toBe(plain.configHash);
  });

  it("names containers deterministically per directory", () => {
    expect(containerNameForScope("/a")).toBe(containerNameForScope("/a"));
    expect(containerNameForScope("/a")).not.toBe(containerNameForScope("/b"));
    expect(containerNameForScope("/a")).toMatch(/^monoclaw-[0-9a-f]{12}$/);
  });

  it("names containers per scope: directory as before, session by id (hashed when not name-safe), shared by settings", () => {
    const config = parseDockerConfig({});
    expect(scopedContainerName({ kind: "directory", directory: "/a", config })).toBe(containerNameForScope("/a"));
    expect(scopedContainerName({ kind: "session", directory: "/a", sessionId: "20261123-184012-a3f9c1", config })).toBe(
      "monoclaw-session-20261123-184012-a3f9c1",
    );
    expect(scopedContainerName({ kind: "session", directory: "/a", sessionId: "../x y", config })).toMatch(/^monoclaw-session-[0-9a-f]{12}$/);
    const shared = scopedContainerName({ kind: "shared", directory: "/a", config });
    expect(scopedContainerName({ kind: "shared", directory: "/b", config })).toBe(shared);
    expect(scopedContainerName({ kind: "shared", directory: "/a", config: parseDockerConfig({ memory: "1g" }) })).not.toBe(shared);
    expect(() => parseDockerConfig({ scope: "sessions" })).toThrow(/terminal\.docker\.scope: Invalid option: expected one of "directory"\|"session"\|"shared"/);
  });
});
