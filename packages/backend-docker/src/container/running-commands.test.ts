import { describe, expect, it } from "vitest";
import { classifyMarkedProcesses, describeCommands, parseMarkedProcesses } from "./running-commands.js";

// What MARKED_PROCESSES_SCRIPT prints for: tini (1, no marker), a pool shell (8) running command 1 (14, 15),
// a one-off exec's command (30), a job an ended command left behind (40, reparented to tini), an idle session shell (50).
const SCAN = [
  "U 1000:1000",
  "P 8 0 mcaaaaaaaaaaaa. /bin/sh -s",
  "P 14 8 mcaaaaaaaaaaaa.1. /bin/sh -c sleep 30; echo done",
  "P 15 14 mcaaaaaaaaaaaa.1. sleep 30",
  "P 30 0 mcbbbbbbbbbbbb.cmd. /bin/sh -c . /tmp/.monoclaw-cmd-x.sh",
  "P 40 1 mcaaaaaaaaaaaa.3. python3 -m http.server",
  "P 50 0 mccccccccccccc. bash --noprofile --norc -s",
  "U 0:0",
].join("\n");

describe("which MonoClaw commands run in a container", () => {
  it("counts each in-flight command once, by its top process, and tells ended commands' leftovers apart", () => {
    const { processes, unreadableOwners } = parseMarkedProcesses(SCAN);
    expect([...unreadableOwners]).toEqual(["1000:1000", "0:0"]);
    const activity = classifyMarkedProcesses(processes);
    expect(activity.running).toEqual([
      { pid: 14, command: "/bin/sh -c sleep 30; echo done" },
      { pid: 30, command: "/bin/sh -c . /tmp/.monoclaw-cmd-x.sh" },
    ]);
    expect(activity.background).toEqual([{ pid: 40, command: "python3 -m http.server" }]);
    expect(describeCommands(activity.running)).toBe("pid 14: /bin/sh -c sleep 30; echo done; pid 30: /bin/sh -c . /tmp/.monoclaw-cmd-x.sh");
  });

  it("finds nothing running in a container with only idle shells (positive control above)", () => {
    const idle = parseMarkedProcesses("P 8 0 mcaaaaaaaaaaaa. /bin/sh -s\nP 50 0 mccccccccccccc. bash -s").processes;
    expect(idle).toHaveLength(2);
    expect(classifyMarkedProcesses(idle)).toEqual({ running: [], background: [] });
  });

  it("never prints terminal escapes or endless lines from a container process's command line", () => {
    const hostile = `P 9 0 mcaaaaaaaaaaaa.2. evil \u001b]0;pwned\u0007\u001b[2J${"x".repeat(500)}`;
    const [process] = parseMarkedProcesses(hostile).processes;
    expect(process!.command).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(process!.command.startsWith("evil ?]0;pwned??[2J")).toBe(true);
    expect(process!.command.length).toBeLessThanOrEqual(80);
  });

  it("ignores a marker a process forged to break the parse (spaces, shell text), keeping the well-formed ones", () => {
    const { processes } = parseMarkedProcesses("P 9 0 mc$(reboot). x\nP 10 0 not-a-marker x\nP 11 0 mcaaaaaaaaaaaa.1. fine");
    expect(processes.map((p) => p.pid)).toEqual([11]);
  });

  it("shows at most three commands and counts the rest", () => {
    const many = [1, 2, 3, 4, 5].map((pid) => ({ pid, command: "sleep 9" }));
    expect(describeCommands(many)).toBe("pid 1: sleep 9; pid 2: sleep 9; pid 3: sleep 9; and 2 more");
  });
});
