import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestHome, runBin, type TestHome } from "../cli.test-helpers.js";

let t: TestHome;
beforeEach(() => {
  t = createTestHome();
});
afterEach(() => t.remove());

const run = (args: string[], env: Record<string, string> = {}) => runBin(args, { env: { ...t.env, ...env }, cwd: t.workdir });

interface DoctorJson {
  ok: boolean;
  checks: { id: string; level: "ok" | "warn" | "fail"; message: string; fix?: string }[];
}

describe("monoclaw doctor", () => {
  it("passes with the defaults on the host backend: ✓ lines and exit 0", async () => {
    const result = await run(["doctor"]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe(`✓ no config file at ${t.configFile}; every setting has its default`);
    expect(lines[1]).toBe("! no model is set; Mona (monoclaw, monoclaw run) needs one");
    expect(lines[2]).toMatch(/^ {2}fix: monoclaw config set model /);
    expect(lines[3]).toMatch(/^✓ backend host \(.+\): .+/);
    expect(result.stdout).not.toContain("✗");
    expect(result.stdout).toMatch(/\n(all checks passed|no check failed, \d+ warning\(s\))\n$/);
    expect(result.stdout).not.toContain("\u001b[");
  });

  it("--json gives ok and every check with its level", async () => {
    t.writeConfig("terminal:\n  backend: host\n");
    const result = await run(["doctor", "--json"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as DoctorJson;
    expect(report.ok).toBe(true);
    expect(report.checks[0]).toEqual({ id: "config", level: "ok", message: `config ${t.configFile} is valid` });
    expect(report.checks.find((check) => check.id === "backend")).toMatchObject({ level: "ok" });
    expect(report.checks.length).toBeGreaterThan(2);
    expect(report.checks.every((check) => check.level !== "fail")).toBe(true);
  });

  it("checks the model's setup without sending anything: ✓ with its key and URL, ✗ naming the missing key", async () => {
    t.writeConfig("model: local/qwen3\nproviders:\n  local:\n    base_url: http://127.0.0.1:9/v1\n");
    const ok = await run(["doctor"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("✓ model local/qwen3 (http://127.0.0.1:9/v1, no API key)\n");

    t.writeConfig("model: anthropic/claude-sonnet-4-5\n");
    const missing = await run(["doctor"]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      "✗ No API key for anthropic/claude-sonnet-4-5: set ANTHROPIC_API_KEY in the environment or providers.anthropic.api_key in the config.\n" +
        "  fix: export ANTHROPIC_API_KEY=<value> before starting monoclaw\n",
    );
    const withKey = await run(["doctor", "--json"], { ANTHROPIC_API_KEY: "sk-test-not-sent" });
    expect(withKey.stdout).not.toContain("sk-test-not-sent");
    expect(JSON.parse(withKey.stdout)).toMatchObject({ ok: true });
  });

  it("reports an API key variable that is not set at the model check, while exec still runs", async () => {
    t.writeConfig("model: anthropic/claude-sonnet-4-5\nproviders:\n  anthropic:\n    api_key: ${MONOCLAW_TEST_UNSET_KEY}\n");
    expect(await run(["exec", "--", "echo", "ok"])).toMatchObject({ code: 0, stdout: "ok\n" });
    const result = await run(["doctor"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✗ providers.anthropic.api_key refers to ${MONOCLAW_TEST_UNSET_KEY}, which is not set.");
  });

  it("shows a warning (!) with the closest key for an unknown key, and still passes", async () => {
    t.writeConfig("terminal:\n  backend: host\n  aprovals: never\n");
    const result = await run(["doctor"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`! ${t.configFile}:3:3: terminal.aprovals is not a known key and is ignored\n  fix: did you mean terminal.approvals?\n`);
    const report = JSON.parse((await run(["doctor", "--json"])).stdout) as DoctorJson;
    expect(report.checks).toContainEqual({
      id: "config.unknown-key",
      level: "warn",
      message: `${t.configFile}:3:3: terminal.aprovals is not a known key and is ignored`,
      fix: "did you mean terminal.approvals?",
    });
  });

  it("fails (✗, exit 1) for an invalid config, naming line, allowed values and the fix", async () => {
    t.writeConfig("terminal:\n  backend: host\n  approvals: sometimes\n");
    const result = await run(["doctor"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `✗ ${t.configFile}:3:3: terminal.approvals is "sometimes"; allowed: ask, never, always\n` +
        "  fix: give it an allowed value (`monoclaw config set terminal.approvals <value>`), or `monoclaw config unset terminal.approvals` for the default\n" +
        "\n1 check(s) failed\n",
    );
    const report = JSON.parse((await run(["doctor", "--json"])).stdout) as DoctorJson;
    expect(report.ok).toBe(false);
    expect(report.checks).toEqual([
      {
        id: "config",
        level: "fail",
        message: `${t.configFile}:3:3: terminal.approvals is "sometimes"; allowed: ask, never, always`,
        fix: "give it an allowed value (`monoclaw config set terminal.approvals <value>`), or `monoclaw config unset terminal.approvals` for the default",
      },
    ]);
  });

  it("fails for a YAML syntax error, with its line", async () => {
    t.writeConfig("terminal:\n  backend: host\n\tcwd: /tmp\n");
    const result = await run(["doctor"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^✗ ${t.configFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:1: is not valid YAML: `));
  });

  it("colours only when allowed: FORCE_COLOR colours a pipe, NO_COLOR wins over it", async () => {
    const forced = await run(["doctor"], { FORCE_COLOR: "1" });
    expect(forced.stdout).toContain("\u001b[32m✓\u001b[39m");
    const plain = await run(["doctor"], { FORCE_COLOR: "1", NO_COLOR: "1" });
    expect(plain.stdout).not.toContain("\u001b[");
    expect(plain.stdout).toContain("✓ ");
  });
});

describe("monoclaw doctor with the Docker backend: what it finds, never a tick for a risk", () => {
  const docker = "terminal:\n  backend: docker\n  docker:\n    image: monoclaw-test/busybox:latest\n    network: none\n    pull: never\n";

  it("shows no ✓ for a mount it warns about (allowed) or refuses, and ✓ for the clean one beside it", async () => {
    mkdirSync(join(t.workdir, "app"));
    t.writeConfig(`${docker}    allow_dangerous_mounts: true\n    volumes: ["/usr/lib:/hostlib:ro", "${join(t.workdir, "app")}:/app"]\n`);
    const allowed = await run(["doctor"]);
    const tickLines = allowed.stdout.split("\n").filter((line) => line.startsWith("✓"));
    expect(tickLines.filter((line) => line.includes("/usr/lib"))).toEqual([]);
    expect(tickLines).toContain(`✓ volumes: ${join(t.workdir, "app")} -> /app`);
    expect(allowed.stdout).toContain("! volume /usr/lib:/hostlib:ro mounts /usr/lib (allowed by allow_dangerous_mounts): /usr holds host system files\n");

    t.writeConfig(`${docker}    volumes: ["/var/run/docker:/h"]\n`);
    const refused = await run(["doctor"]);
    expect(refused.code).toBe(1);
    // /var/run/docker holds containerd's socket (root on the host): refused, the socket named.
    expect(refused.stdout).toMatch(
      /\n✗ terminal\.docker\.volumes entry "\/var\/run\/docker:\/h": refusing to mount \/var\/run\/docker \(\/var\/run\/docker resolves to \/run\/docker\): it holds \/run\/docker\/\S+\.sock, a container engine socket/,
    );
    expect(refused.stdout.split("\n").filter((line) => line.startsWith("✓") && line.includes("/var/run/docker:"))).toEqual([]);
    expect(refused.stdout).not.toMatch(/✓ volumes/);
  });

  it("reports the managed container's real capabilities, and an attached container's as found, with its risks", async () => {
    t.writeConfig(docker);
    const managed = await run(["doctor"]);
    expect(managed.stdout).toContain(
      "✓ commands run as root inside the container (when created: all capabilities dropped except CHOWN, DAC_OVERRIDE, FOWNER, SETUID, SETGID, KILL, no-new-privileges, pids limit 1024, init)",
    );

    // A container made the plain `docker run` way: Docker's default capabilities, nothing else set.
    const name = `mc-test-doctor-cli-${process.pid}`;
    const dockerCli = (args: string[]) => execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    try {
      dockerCli(["rm", "-f", name]);
    } catch {
      // not there: fine
    }
    dockerCli(["run", "-d", "--name", name, "--network", "none", "--cap-add", "SYS_ADMIN", "monoclaw-test/busybox:latest", "sleep", "600"]);
    try {
      t.writeConfig(`${docker}    container: ${name}\n`);
      const attached = await run(["doctor"]);
      expect(attached.stdout).not.toContain("all capabilities dropped");
      expect(attached.stdout).toContain(
        `! container ${name} (not made by MonoClaw): Docker's default capabilities plus SYS_ADMIN, no no-new-privileges, no pids limit, no init\n`,
      );
      expect(attached.stdout).toContain(`! container ${name}: it adds capabilities SYS_ADMIN`);
      expect(attached.stdout).toContain("fix: re-create the container without it");
      expect(attached.stdout).toContain("--cap-drop ALL --cap-add CHOWN");
    } finally {
      dockerCli(["rm", "-f", name]);
    }
  });
});
