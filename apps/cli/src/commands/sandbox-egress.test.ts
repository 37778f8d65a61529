import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEngine, listManagedContainers, processDiscoveryEnvironment, type EngineConnection } from "@monoclaw/backend-docker";
import { createTestHome, runBin, startBin, type TestHome } from "../cli.test-helpers.js";

/**
 * `monoclaw sandbox egress` against the egress test engine (a second engine
 * with iptables on, in its own network namespace, made by
 * scripts/egress-test-world.sh), whose fake internet serves allowed.test and
 * denied.test. Nothing leaves this machine.
 */
const EGRESS_SOCKET = "/run/monoclaw-egress-docker.sock";
let docker: EngineConnection["docker"];
/** This project's sandbox, named by the backend after the test home's directory (known after the first command). */
let name = "";
let t: TestHome;
const run = (args: string[]) => runBin(args, { env: t.env, cwd: t.workdir });

async function removeAll(): Promise<void> {
  const sandbox = name || (await listManagedContainers(docker)).find((c) => t !== undefined && c.scope === t.workdir)?.name;
  if (!sandbox) return;
  for (const c of await docker.listContainers({ all: true })) {
    if (c.Names.some((n) => n.startsWith(`/${sandbox}`)))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
  }
  await docker
    .getNetwork(`${sandbox}-egress`)
    .remove()
    .catch(() => undefined);
}

beforeAll(async () => {
  docker = (
    await connectEngine(processDiscoveryEnvironment(process.env, `unix://${EGRESS_SOCKET}`)).catch((error: Error) => {
      throw new Error(`The egress test world is not running (${error.message}): run \`bash scripts/egress-test-world.sh\` as root`);
    })
  ).docker;
  await removeAll();
  t = createTestHome();
  t.writeConfig(
    [
      "terminal:",
      "  backend: docker",
      `  cwd: ${t.workdir}`,
      "  docker:",
      `    host: unix://${EGRESS_SOCKET}`,
      "    image: monoclaw-egress-test/curl:bookworm",
      "    network: allowlist",
      "    pull: never",
      "    keep_warm: true",
      "    egress:",
      "      allow: [allowed.test]",
      "      preset: none",
      "      proxy_image: monoclaw-test/node:20",
      "",
    ].join("\n"),
  );
}, 60_000);

afterAll(async () => {
  await removeAll();
  t?.remove();
});

describe("monoclaw sandbox egress", () => {
  it("prints what the sandbox reached and what was refused, as text and as JSON lines", async () => {
    const allowed = await run(["exec", "--", "curl -sS http://allowed.test/from-cli"]);
    name = (await listManagedContainers(docker)).find((c) => c.scope === t.workdir)!.name;
    expect(allowed.stdout).toContain('"served":"internet"');
    const refused = await run(["exec", "--", "curl -sS http://denied.test/from-cli"]);
    expect(refused.stdout).toContain("refused denied.test:80: not in terminal.docker.egress.allow");

    const text = await run(["sandbox", "egress", name]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ALLOWED\s+GET allowed\.test:80\s+allow allowed\.test -> 198\.19\.0\.10, \d+ B up, \d+ B down/);
    expect(text.stdout).toMatch(
      /REFUSED\s+GET denied\.test:80\s+refused denied\.test:80: not in terminal\.docker\.egress\.allow; allow it with: monoclaw config set/,
    );

    const json = await run(["sandbox", "egress", "--json"]);
    const records = json.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { decision?: string; host?: string; sandbox?: string });
    expect(records.some((r) => r.decision === "refused" && r.host === "denied.test" && r.sandbox === name)).toBe(true);
  }, 120_000);

  it("--follow prints a decision made after it started", async () => {
    const follower = startBin(["sandbox", "egress", "--follow"], { env: t.env, cwd: t.workdir });
    try {
      await follower.waitForStdout("LISTENING");
      await run(["exec", "--", "curl -sS http://denied.test/followed"]);
      await follower.waitForStdout("REFUSED");
    } finally {
      follower.child.kill("SIGINT");
    }
    const result = await follower.exited;
    expect(result.stdout).toMatch(/REFUSED\s+GET denied\.test:80/);
  }, 120_000);

  it("says how to turn it on for a sandbox that has no egress proxy", async () => {
    const result = await run(["sandbox", "egress", `${name}-nothing`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${name}-nothing has no egress proxy`);
    expect(result.stderr).toContain("monoclaw config set terminal.docker.network allowlist");
  });
});
