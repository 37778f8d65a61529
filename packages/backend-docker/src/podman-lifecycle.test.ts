import { describePodmanLifecycle } from "./podman-lifecycle.test-helpers.js";
import { ROOTFUL_PODMAN } from "./podman.test-helpers.js";

// Reuse, replace on config change, recreate after removal, reaper and doctor on rootful Podman (scripts/ensure-podman.sh).
describePodmanLifecycle(ROOTFUL_PODMAN, "mc-test-podman-lifecycle", {
  mode: "rootful",
  pidsLimitShown: 99,
  limits: { level: "ok", says: "memory 256m", fix: undefined },
  warnsLimitsDropped: false,
});
