import { describe, expect, it } from "vitest";
import { processTreeKillScript } from "@monoclaw/core";
import { busyboxSafeKillScript, containerKillScript, sessionKillScript } from "./container-kill-script.js";

describe("container kill scripts", () => {
  it("search NUL-separated environ files with grep -z (busybox grep stops at the first NUL otherwise)", () => {
    expect(containerKillScript({ marker: "mcabc." })).toContain("grep -z -l -F");
    expect(busyboxSafeKillScript(busyboxSafeKillScript(processTreeKillScript({ marker: "mcabc." })))).not.toContain("grep -z -z");
  });

  it("add the forked-subshell sweep only for a command of this session", () => {
    const command = sessionKillScript(processTreeKillScript({ marker: "mcsess.3." }), "mcsess.");
    expect(command).toContain("cm='MONOCLAW_RUN_ID=mcsess.3.'");
    expect(command).toContain("sm='MONOCLAW_RUN_ID=mcsess.'");
    expect(command.indexOf("ppid_of")).toBeLessThan(command.indexOf("kill -TERM"));
    const whole = sessionKillScript(processTreeKillScript({ marker: "mcsess." }), "mcsess.");
    expect(whole).not.toContain("ppid_of");
    const other = sessionKillScript(processTreeKillScript({ marker: "mcother.1." }), "mcsess.");
    expect(other).not.toContain("ppid_of");
  });
});
