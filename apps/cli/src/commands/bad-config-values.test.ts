import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { connectEngine, listManagedContainers, processDiscoveryEnvironment, removeManaged } from "@monoclaw/backend-docker";
import { createTestHome, runBin, type TestHome } from "../cli.test-helpers.js";

/**
 * Every bad value a user can give, through the path the user takes (the
 * config file read by `monoclaw exec`, `monoclaw config set`, a flag), is
 * refused with one line naming the key, the bad value, what is allowed and
 * the fix; a good value in the same place is accepted (the positive control).
 * Runs the built bin against the real engine, local images, no network.
 */
const homes: TestHome[] = [];
let t: TestHome;
beforeEach(() => {
  t = createTestHome();
  homes.push(t);
});
afterAll(async () => {
  const { docker } = await connectEngine(processDiscoveryEnvironment());
  const scopes = new Set(homes.map((home) => home.workdir));
  for (const container of await listManagedContainers(docker)) {
    if (scopes.has(container.scope)) await removeManaged(docker, container.id);
  }
  for (const home of homes) home.remove();
});

const run = (args: string[]) => runBin(args, { env: t.env, cwd: t.workdir });
const dockerSection = (extra: string) =>
  `terminal:\n  backend: docker\n  docker:\n    image: monoclaw-test/busybox:latest\n    network: none\n    pull: never\n${extra ? `    ${extra}\n` : ""}`;

/** One bad value: where it is given, what the user sees, and a good value in its place. */
interface BadValueRow {
  key: string;
  /** As written in config.yaml (`key: <text>`) and passed to `config set`. */
  bad: string;
  /** What the one line must say besides the key: the value as shown and what is allowed. */
  says: string[];
  good: string;
}

const docker = (key: string) => `terminal.docker.${key}`;
const ROWS: BadValueRow[] = [
  { key: docker("user"), bad: "root;id", says: ['is "root;id"', "allowed: a user name, uid or uid:gid of the image"], good: "nobody" },
  { key: docker("user"), bad: '"a b"', says: ['is "a b"', "or host for your own uid:gid"], good: "host" },
  { key: docker("memory"), bad: "1", says: ["is 1", "allowed: a size of at least 6m (the engine's minimum), such as 512m or 2g"], good: "512m" },
  { key: docker("memory"), bad: "0m", says: ['is "0m"', "at least 6m"], good: "6m" },
  { key: docker("cpus"), bad: "0.001", says: ["is 0.001", "allowed: a number of CPU cores from 0.01 up to the engine's CPU count"], good: "0.5" },
  {
    key: docker("host"),
    bad: "/var/run/docker.sock",
    says: ['is "/var/run/docker.sock"', "allowed: an engine URL", "a socket path needs unix://, e.g. unix:///var/run/docker.sock"],
    good: "unix:///var/run/docker.sock",
  },
  { key: "terminal.timeout", bad: ".inf", says: ["is .inf", "allowed: a number of seconds from 0.001 to 2147483"], good: "30" },
];

/** The parts of the line every refusal carries: the key, the fix naming `config set` for that key. */
function expectNamesKeyAndFix(stderr: string, row: BadValueRow): void {
  expect(stderr.trim().split("\n")).toHaveLength(1);
  expect(stderr).toContain(`${row.key} `);
  for (const part of row.says) expect(stderr).toContain(part);
  expect(stderr).toContain(`fix: give it an allowed value (\`monoclaw config set ${row.key} <value>\`)`);
}

const lastSegment = (key: string) => key.split(".").at(-1)!;

describe("every bad config value names the key, the value and the fix", () => {
  it.each(ROWS)("config file: $key: $bad is refused by exec at its line; $good is accepted", async (row) => {
    const section = row.key.startsWith("terminal.docker.") ? dockerSection(`${lastSegment(row.key)}: ${row.bad}`) : `terminal:\n  timeout: ${row.bad}\n`;
    t.writeConfig(section);
    const refused = await run(["exec", "--", "true"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^monoclaw: ${t.configFile.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:\\d+:\\d+: `));
    expectNamesKeyAndFix(refused.stderr, row);

    t.writeConfig(section.replace(`${lastSegment(row.key)}: ${row.bad}`, `${lastSegment(row.key)}: ${row.good}`));
    expect(await run(["config", "get", row.key])).toMatchObject({ code: 0, stdout: expect.stringContaining(row.good.replace(/"/g, "")) });
  });

  it.each(ROWS)("config set: $key $bad is refused and the file is untouched; $good is written", async (row) => {
    t.writeConfig(dockerSection(""));
    const before = t.readConfig();
    const refused = await run(["config", "set", row.key, row.bad.replace(/^"|"$/g, "")]);
    expect(refused.code).toBe(2);
    expectNamesKeyAndFix(refused.stderr, row);
    expect(t.readConfig()).toBe(before);

    expect(await run(["config", "set", row.key, row.good])).toMatchObject({ code: 0 });
    expect(t.readConfig()).toContain(`${lastSegment(row.key)}: ${row.good}`);
  });

  it("flag: --timeout inf is refused naming the flag, the value and the range; --timeout 5 runs", async () => {
    const refused = await run(["exec", "--timeout", "inf", "--", "true"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("option '-t, --timeout <seconds>' argument 'inf' is invalid");
    expect(refused.stderr).toContain('expected a number of seconds from 0.001 to 2147483 (about 24.8 days), e.g. 30 or 0.5; got "inf". Fix: ');
    expect(await run(["exec", "--backend", "host", "--timeout", "5", "--", "echo ran"])).toMatchObject({ code: 0, stdout: "ran\n" });
  });

  it("config file: a YAML alias bomb is refused at its first alias, naming it and the fix, promptly instead of filling memory", async () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      ...["b", "c", "d", "e", "f", "g", "h"].map((name, i) => `${name}: &${name} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`),
    ];
    t.writeConfig(`${bomb.join("\n")}\nterminal:\n  timeout: 5\n`);
    const started = Date.now();
    for (const args of [["exec", "--", "true"], ["config", "list"], ["doctor"]]) {
      const refused = await run(args);
      expect(refused.code, args.join(" ")).not.toBe(0);
      // doctor shows it as a failed check on stdout; the other commands as their one error line on stderr.
      const said = refused.stdout + refused.stderr;
      expect(said).toContain(`${t.configFile}:2:`);
      expect(said).toContain("b uses YAML aliases (*a) that expand to more than 1000 copies (an alias bomb?)");
      expect(said).toMatch(/fix: write the values out in full instead of repeating them with & anchors and \* aliases/);
      expect(said).not.toContain("unexpected error");
    }
    expect(Date.now() - started).toBeLessThan(20_000);

    // Positive control: anchors and aliases within the limit are fine.
    t.writeConfig("base: &timeout 7\nterminal:\n  timeout: *timeout\n");
    expect(await run(["config", "get", "terminal.timeout"])).toMatchObject({ code: 0, stdout: expect.stringContaining("7") });
  });
});

describe("values only the engine can judge name the key and the fix too", () => {
  it("user: nobody2 (not in the image) fails exec with the key, the user, the image and the fix, and doctor fails its docker.user line; nobody runs", async () => {
    t.writeConfig(`${dockerSection("user: nobody2")}  cwd: ${t.workdir}\n`);
    const refused = await run(["exec", "--", "id -un"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('terminal.docker.user: user "nobody2" does not exist in image monoclaw-test/busybox:latest; give a user the image has');
    expect(refused.stderr).toContain("`monoclaw config set terminal.docker.user host`");
    expect(refused.stderr).not.toContain("exit code 126");

    const doctor = await run(["doctor"]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain('terminal.docker.user: user "nobody2" does not exist in image monoclaw-test/busybox:latest');

    t.writeConfig(`${dockerSection("user: nobody")}  cwd: ${t.workdir}\n`);
    expect(await run(["exec", "--", "id -un"])).toMatchObject({ code: 0, stdout: "nobody\n" });
    expect((await run(["doctor"])).stdout).toContain("user nobody exists in image monoclaw-test/busybox:latest");
  });

  it("cpus: 1000 (more than the engine has) names the key, the engine's count and the most it takes; 1 runs", async () => {
    t.writeConfig(`${dockerSection("cpus: 1000")}  cwd: ${t.workdir}\n`);
    const refused = await run(["exec", "--", "true"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^monoclaw: terminal\.docker\.cpus: 1000 is more than the engine's \d+ CPUs; give at most [\d.]+ \(`monoclaw config set terminal\.docker\.cpus [\d.]+`\)/,
    );
    t.writeConfig(`${dockerSection("cpus: 1")}  cwd: ${t.workdir}\n`);
    expect(await run(["exec", "--", "echo ran"])).toMatchObject({ code: 0, stdout: "ran\n" });
  });

  it("memory: 64m reached by a command says the command was killed for it, naming the key and a larger value; a command within it runs", async () => {
    t.writeConfig(`${dockerSection("memory: 64m")}  cwd: ${t.workdir}\n`);
    const killed = await run(["exec", "--", "head -c 300m /dev/zero | tail > /dev/null"]);
    expect(killed.code).toBe(137);
    expect(killed.stderr).toContain(
      "monoclaw: killed: the container reached its memory limit (terminal.docker.memory = 64m); raise it with `monoclaw config set terminal.docker.memory 128m`",
    );
    expect(await run(["exec", "--", "head -c 1m /dev/zero | tail > /dev/null && echo fits"])).toMatchObject({ code: 0, stdout: "fits\n", stderr: "" });
  });
});
