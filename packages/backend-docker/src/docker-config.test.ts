import { describe, expect, it } from "vitest";
import { DEFAULT_PIDS_LIMIT, memoryToBytes, parseDockerConfig } from "./docker-config.js";

describe("parseDockerConfig", () => {
  it("gives every default for an empty section", () => {
    const config = parseDockerConfig({});
    expect(config).toMatchObject({
      image: "ubuntu:24.04",
      pull: "missing",
      network: "bridge",
      volumes: [],
      workdir: "/workspace",
      env: {},
      forward_env: [],
      keep_warm: false,
      pids_limit: DEFAULT_PIDS_LIMIT,
      read_only_root: false,
      allow_dangerous_mounts: false,
    });
  });

  it("accepts the product page's example", () => {
    const config = parseDockerConfig({
      image: "ubuntu:24.04",
      network: "bridge",
      volumes: ["${HOME}/projects:/projects"],
      workdir: "/projects",
    });
    expect(config.workdir).toBe("/projects");
    expect(config.volumes).toEqual(["${HOME}/projects:/projects"]);
  });

  it("names each bad key and what it must be", () => {
    expect(() => parseDockerConfig({ pull: "sometimes", workdir: "projects", keepwarm: true })).toThrowError(
      /terminal\.docker\.pull[\s\S]*terminal\.docker\.workdir: must be an absolute path[\s\S]*keepwarm/,
    );
    expect(() => parseDockerConfig({ forward_env: ["NOT-A-NAME"] })).toThrowError(/terminal\.docker\.forward_env\.0: must be an environment variable name/);
  });
});

describe("memoryToBytes", () => {
  it("understands units", () => {
    expect(memoryToBytes("512m")).toBe(512 * 1024 * 1024);
    expect(memoryToBytes("2g")).toBe(2 * 1024 ** 3);
    expect(memoryToBytes("1.5GB")).toBe(1.5 * 1024 ** 3);
    expect(memoryToBytes(1000)).toBe(1000);
  });
});
