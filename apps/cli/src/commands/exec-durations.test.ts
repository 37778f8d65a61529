import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestHome, runBin, type TestHome } from "../cli.test-helpers.js";

const RANGE = "a number of seconds from 0.001 to 2147483 (about 24.8 days)";

let t: TestHome;
beforeEach(() => {
  t = createTestHome();
  t.writeConfig(`terminal:\n  backend: host\n  cwd: ${t.workdir}\n`);
});
afterEach(() => t.remove());

const run = (args: string[]) => runBin(args, { env: t.env, cwd: t.root });

describe("durations the runtime cannot wait for", () => {
  it.each(["3000000", "Infinity", "NaN", "-1", "0", "1e400", "soon", ""])(
    "exec -t %j is refused with the allowed range instead of ending the command at once",
    async (value) => {
      const result = await run(["exec", "-t", value, "--", "echo ran"]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(`expected ${RANGE}`);
      expect(result.stderr).toContain(`got "${value}"`);
    },
  );

  it("exec -t with the longest allowed timeout runs the command to its end (positive control)", async () => {
    expect(await run(["exec", "-t", "2147483", "--", "sleep 0.2; echo ran"])).toMatchObject({ code: 0, stdout: "ran\n", stderr: "" });
  });

  it("config set refuses terminal.timeout 9999999 with the words exec uses, and exec then still runs with the old value", async () => {
    const refused = await run(["config", "set", "terminal.timeout", "9999999"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`terminal.timeout is 9999999; allowed: ${RANGE}; fix: `);
    const inf = await run(["config", "set", "terminal.timeout", ".inf"]);
    expect(inf.stderr).toContain(`terminal.timeout is .inf; allowed: ${RANGE}`);
    expect(await run(["exec", "--", "echo ran"])).toMatchObject({ code: 0, stdout: "ran\n" });
  });

  it("a config file holding a huge timeout is refused by exec with the same words (no command is run and killed)", async () => {
    t.writeConfig(`terminal:\n  backend: host\n  cwd: ${t.workdir}\n  timeout: 9999999\n`);
    const result = await run(["exec", "--", "echo ran"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`terminal.timeout is 9999999; allowed: ${RANGE}; fix: `);
  });
});
