import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { LABEL_SCOPE, listManagedContainers } from "@monoclaw/backend-docker";
import { step } from "@monoclaw/testkit";
import { describe, expect, it } from "vitest";
import { spawnCliInPty, type AgentTestHome } from "./cli-process.test-helpers.js";
import { useDockerSessionWorld } from "./docker-session-home.test-helpers.js";

// The interactive `monoclaw` in a real pseudo-terminal with `terminal.docker.scope:
// session`: the built bin, the real AI SDK client against the scripted model
// server, the real engine (sh-only image, no network). Containers are found by
// this test's terminal.cwd label and removed at the end.

const world = useDockerSessionWorld();
const docker = () => world.docker();

const containersIn = async (home: AgentTestHome) =>
  (await docker().listContainers({ all: true, filters: { label: [`${LABEL_SCOPE}=${home.workdir}`] } })).map((c) => ({
    name: c.Names[0]!.slice(1),
    state: c.State,
  }));
/** A warm pool member of this home's settings that runs (held by the CLI process), once there is one. */
async function runningMember(home: AgentTestHome): Promise<{ name: string; state: string }> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const member = (await containersIn(home)).find((c) => c.name.startsWith("monoclaw-pool-") && c.state === "running");
    if (member) return member;
  }
  throw new Error("no running warm pool member appeared within 60 s");
}
const toolOutputs = () => world.server().requests.flatMap((request) => request.toolResults.map((result) => result.content));

describe("monoclaw (interactive) with terminal.docker.scope: session", () => {
  it("gives the session /new starts a container of its own, claimed from the warm pool the process holds, and pauses the unclaimed member at exit", async () => {
    const home = world.sessionHome(["  warm_pool: 1"]);
    const hostnameCall = () => step.toolCall("bash", { command: "hostname; touch /tmp/was-here; ls /tmp" });
    world.server().enqueue(hostnameCall(), step.text("first done"), hostnameCall(), step.text("second done"));
    const cli = spawnCliInPty(["--backend", "docker"], { env: home.env, cwd: home.root });
    try {
      await cli.waitFor(/› $/);
      cli.write("first\r");
      await cli.waitFor(/first done\n› $/, { timeoutMs: 60_000 });
      await runningMember(home); // the refill after the first session's first command
      cli.write("/new\r");
      await cli.waitFor(/New session \S+\.\n› $/, { timeoutMs: 60_000 });
      cli.write("second\r");
      await cli.waitFor(/second done\n› $/, { timeoutMs: 60_000 });

      const [first, second] = toolOutputs();
      const [firstHost, secondHost] = [first, second].map((output) => output!.split("\n")[0]);
      expect(firstHost).toMatch(/^[0-9a-f]{12}$/);
      expect(secondHost).toMatch(/^[0-9a-f]{12}$/);
      expect(secondHost).not.toBe(firstHost);
      // The second session's container is new: nothing the first left in /tmp.
      expect(second).toContain("was-here");
      expect(second!.match(/was-here/g)).toHaveLength(1);

      const names = (await containersIn(home)).map((c) => c.name);
      const sessionFiles = home.sessionFiles();
      expect(sessionFiles).toHaveLength(2);
      // The second session is the one the "second" prompt went to (two ids made in one second do not sort by time).
      const secondFile = sessionFiles.find((file) => readFileSync(file, "utf8").includes('"second"'));
      expect(secondFile).toBeDefined();
      const secondId = basename(secondFile!, ".jsonl");
      // The first session's container went with it; the second's runs.
      expect(names.filter((name) => name.startsWith("monoclaw-session-"))).toEqual([`monoclaw-session-${secondId}`]);
      // ...and it was a pool member (the first session's container was created cold: there was no pool yet).
      const listed = await listManagedContainers(docker());
      expect(listed.find((c) => c.name === `monoclaw-session-${secondId}`)?.fromPool).toBe(true);
      // The refill after the second claim: one member waits, running, held by this process.
      const member = await runningMember(home);

      cli.write("/exit\r");
      expect(await cli.exited).toBe(0);
      // At exit: the session's container is removed, the unclaimed member waits paused for the next process.
      expect(await containersIn(home)).toEqual([{ name: member!.name, state: "paused" }]);
    } finally {
      cli.kill();
    }
  });
});
