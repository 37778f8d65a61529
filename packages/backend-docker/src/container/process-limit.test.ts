import { describe, expect, it } from "vitest";
import { GVISOR_HOST_TASKS_PER_PROCESS, GVISOR_MIN_HOST_TASKS, isGvisorRuntime, processLimitOptions } from "./process-limit.js";

describe("processLimitOptions", () => {
  it("is the cgroup pids limit alone under runc, crun, kata and the engine's default runtime", () => {
    for (const runtime of [undefined, "runc", "crun", "kata", "io.containerd.runc.v2", "runscx"]) {
      expect(processLimitOptions(1024, runtime)).toEqual({ PidsLimit: 1024 });
    }
  });

  it("under gVisor limits the container's processes inside the sandbox (RLIMIT_NPROC) and the sandbox's host threads by a wider cgroup limit", () => {
    for (const runtime of ["runsc", "runsc-kvm", "runsc_debug", "runsc.ptrace"]) {
      expect(isGvisorRuntime(runtime)).toBe(true);
      expect(processLimitOptions(1024, runtime)).toEqual({
        PidsLimit: 1024 * GVISOR_HOST_TASKS_PER_PROCESS,
        Ulimits: [{ Name: "nproc", Soft: 1024, Hard: 1024 }],
      });
      // A small limit still leaves the Sentry its own threads.
      expect(processLimitOptions(60, runtime).PidsLimit).toBe(GVISOR_MIN_HOST_TASKS);
    }
    expect(isGvisorRuntime("runscx")).toBe(false);
    expect(isGvisorRuntime(undefined)).toBe(false);
  });
});
