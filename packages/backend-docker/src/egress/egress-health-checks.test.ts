import { describe, expect, it } from "vitest";
import { parseDockerConfig } from "../docker-config.js";
import { egressHealthChecks } from "./egress-health-checks.js";

describe("doctor's egress lines (no engine)", () => {
  it("warns that a forwarded secret on bridge can be sent anywhere, and names network: allowlist", async () => {
    const checks = await egressHealthChecks(parseDockerConfig({ network: "bridge", forward_env: ["GITHUB_TOKEN", "LANG"] }), "box", undefined);
    expect(checks).toEqual([
      expect.objectContaining({
        id: "docker.egress",
        level: "warn",
        message: "network: bridge with forward_env GITHUB_TOKEN: any command can read it and send it anywhere",
      }),
    ]);
    expect(checks[0]!.fix).toContain("monoclaw config set terminal.docker.network allowlist");
    // Positive control for the silence below: no secret forwarded, or no network, says nothing.
    expect(await egressHealthChecks(parseDockerConfig({ network: "bridge", forward_env: ["LANG"] }), "box", undefined)).toEqual([]);
    expect(await egressHealthChecks(parseDockerConfig({ network: "none", forward_env: ["GITHUB_TOKEN"] }), "box", undefined)).toEqual([]);
  });

  it("lists what allowlist lets through: allow, the preset, deny and allow_private", async () => {
    const checks = await egressHealthChecks(
      parseDockerConfig({ network: "allowlist", egress: { allow: ["example.org"], deny: ["gist.github.com"], allow_private: ["10.1.0.0/16"] } }),
      "box",
      undefined,
    );
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ id: "docker.egress", level: "ok" });
    expect(checks[0]!.message).toMatch(
      /^network: allowlist: the sandbox reaches only example\.org, registry\.npmjs\.org, .*github\.com.* \(preset packages; deny wins: gist\.github\.com; private allowed: 10\.1\.0\.0\/16\), through its egress proxy$/,
    );
  });
});
