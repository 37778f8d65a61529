import { afterAll } from "vitest";
import { describeBackendConformance } from "@monoclaw/core/testing";
import { BUSYBOX, containerNames } from "./docker.test-helpers.js";
import { runscConformanceOptions } from "./runsc.test-helpers.js";

// The backend contract under gVisor (Debian's runsc, registered by scripts/ensure-runtimes.sh with
// --network=none) on the busybox image, with the suite's own bounds.
const names = containerNames("mc-test-conformance-runsc");
afterAll(() => names.cleanup());

describeBackendConformance("docker runsc (monoclaw-test/busybox, sh only)", runscConformanceOptions(names.next, { image: BUSYBOX }));
