import { basename } from "node:path";
import { removeManaged } from "@monoclaw/backend-docker";
import { step } from "@monoclaw/testkit";
import { describe, expect, it } from "vitest";
import type { AgentTestHome } from "../agent/cli-process.test-helpers.js";
import { useDockerSessionWorld } from "../agent/docker-session-home.test-helpers.js";
import { runBin } from "../cli.test-helpers.js";

// `terminal.docker.scope: session` through the built bin: the real AI SDK
// client, the scripted model server and the real engine (sh-only image, no
// network). Containers are found by this test's own terminal.cwd label and
// removed at the end.

const world = useDockerSessionWorld();
const sessionHome = world.sessionHome;
const containersOf = world.containersOf;
const sessionIds = (home: AgentTestHome) =>
  home
    .sessionFiles()
    .map((file) => basename(file, ".jsonl"))
    .sort();
const lastOutput = () => world.server().requests.at(-1)!.toolResults.at(-1)!.content;

describe("monoclaw run with terminal.docker.scope: session", () => {
  it("gives two runs in the same directory two containers, each removed when its run ends", async () => {
    const home = sessionHome();
    const hostnames: string[] = [];
    for (const prompt of ["first", "second"]) {
      world.server().enqueue(step.toolCall("bash", { command: "hostname; cat /proc/1/cgroup >/dev/null && echo in-a-container" }), step.text(`${prompt} done`));
      const result = await runBin(["run", "--backend", "docker", prompt], { env: home.env, cwd: home.root });
      expect(result).toMatchObject({ code: 0, stdout: `${prompt} done\n` });
      expect(lastOutput()).toContain("in-a-container");
      hostnames.push(lastOutput().split("\n")[0]!);
      expect(await containersOf(home)).toEqual([]); // removed when the session ended
    }
    expect(hostnames[0]).not.toBe(hostnames[1]);
    expect(sessionIds(home)).toHaveLength(2);
  });

  it("with keep_warm, --continue gets the session's container back; once it is gone, a new one with a note", async () => {
    const home = sessionHome(["  keep_warm: true"]);
    world.server().enqueue(step.toolCall("bash", { command: "echo installed > /root/marker" }), step.text("set up"));
    expect(await runBin(["run", "--backend", "docker", "set up"], { env: home.env, cwd: home.root })).toMatchObject({ code: 0 });
    const [id] = sessionIds(home);
    const [kept] = await containersOf(home);
    expect(kept).toMatchObject({ name: `monoclaw-session-${id}`, scopeKind: "session", scopeId: id, state: "running" });

    const listed = await runBin(["sandbox", "ls"], { env: home.env, cwd: home.root });
    expect(listed.stdout).toMatch(/^\s+NAME\s+STATE\s+SCOPE\s+POOL\s+IMAGE\s+CREATED\s+WARM\s+FOR$/m);
    expect(listed.stdout).toMatch(
      new RegExp(`^\\s+monoclaw-session-${id}\\s+Up .*\\s+session\\s+-\\s+monoclaw-test/busybox:latest\\s+\\d+s ago\\s+yes\\s+${id}$`, "m"),
    );
    const json = JSON.parse((await runBin(["sandbox", "ls", "--json"], { env: home.env, cwd: home.root })).stdout) as Array<Record<string, unknown>>;
    expect(json.find((c) => c.name === kept!.name)).toMatchObject({
      scopeKind: "session",
      scopeId: id,
      scope: home.workdir,
      state: "running",
      keepWarm: true,
      fromPool: false,
    });

    world.server().enqueue(step.toolCall("bash", { command: "cat /root/marker" }), step.text("still there"));
    const resumed = await runBin(["run", "--backend", "docker", "--continue", "is it there?"], { env: home.env, cwd: home.root });
    expect(resumed).toMatchObject({ code: 0, stdout: "still there\n" });
    expect(resumed.stderr).not.toContain("no longer exists");
    expect(lastOutput()).toContain("installed");
    expect((await containersOf(home)).map((c) => c.id)).toEqual([kept!.id]);

    await removeManaged(world.docker(), kept!.id);
    world.server().enqueue(step.toolCall("bash", { command: "cat /root/marker || echo gone" }), step.text("new container"));
    const fresh = await runBin(["run", "--backend", "docker", "--continue", "and now?"], { env: home.env, cwd: home.root });
    expect(fresh.code).toBe(0);
    expect(fresh.stderr).toContain(`Session ${id}'s container monoclaw-session-${id} no longer exists: starting a new one`);
    expect(lastOutput()).toContain("gone");
    expect(sessionIds(home)).toEqual([id]); // one session throughout
  });

  it("with warm_pool: 1, the run that ends leaves a ready container that the next run claims", async () => {
    const home = sessionHome(["  warm_pool: 1"]);
    world.server().enqueue(step.toolCall("bash", { command: "hostname" }), step.text("cold"));
    expect(await runBin(["run", "--backend", "docker", "first"], { env: home.env, cwd: home.root })).toMatchObject({ code: 0 });
    const [waiting] = await containersOf(home);
    expect(waiting).toMatchObject({ fromPool: true, state: "paused" }); // a waiting member is paused: its claim is the unpause
    expect(waiting!.name).toMatch(/^monoclaw-pool-/);
    const listed = await runBin(["sandbox", "ls"], { env: home.env, cwd: home.root });
    expect(listed.stdout).toMatch(new RegExp(`^\\s+${waiting!.name}\\s+Up .*\\s+session\\s+waiting\\s+.*\\(the next session\\)$`, "m"));

    world.server().enqueue(step.toolCall("bash", { command: "hostname" }), step.text("from the pool"));
    expect(await runBin(["run", "--backend", "docker", "second"], { env: home.env, cwd: home.root })).toMatchObject({ code: 0, stdout: "from the pool\n" });
    expect(lastOutput().trim()).toBe(waiting!.id.slice(0, 12)); // the second run's commands ran in the member
    const after = await containersOf(home);
    expect(after.map((c) => c.id)).not.toContain(waiting!.id); // used, so removed at the end, never pooled again
    expect(after).toHaveLength(1); // and the pool refilled
    expect(after[0]!.name).toMatch(/^monoclaw-pool-/);
  });

  it("sandbox stop without a name says there is no project container under session scope", async () => {
    const home = sessionHome();
    const result = await runBin(["sandbox", "stop"], { env: home.env, cwd: home.root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "terminal.docker.scope is session: each session has its own container, so there is no project container; name one (see monoclaw sandbox ls) or use --all",
    );
  });
});
