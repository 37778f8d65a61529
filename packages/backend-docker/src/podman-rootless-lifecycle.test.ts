import { expect } from "vitest";
import { describePodmanLifecycle } from "./podman-lifecycle.test-helpers.js";
import { ROOTLESS_PODMAN } from "./podman.test-helpers.js";

// Reuse, replace on config change, recreate after removal, reaper and doctor on rootless Podman (user monoclaw-podman's
// own service, scripts/ensure-podman.sh). On this machine's cgroup v1, rootless Podman drops the pids limit (inspect: 0).
describePodmanLifecycle(ROOTLESS_PODMAN, "mc-test-podman-rootless-lifecycle", {
  mode: "rootless",
  pidsLimitShown: 0,
  limits: {
    level: "warn",
    says: "the engine cannot enforce: memory, pids_limit, cpus",
    fix: expect.stringContaining("rootless Podman on cgroup v1 cannot apply them"),
  },
  warnsLimitsDropped: true,
});
