import { afterAll } from "vitest";
import { describeBackendConformance } from "@monoclaw/core/testing";
import { DEBIAN, containerNames } from "./docker.test-helpers.js";
import { dockerConformanceOptions } from "./docker-conformance.test-helpers.js";

// The backend contract under gVisor (`terminal.docker.runtime: runsc`, Debian's runsc registered
// with the test engine by scripts/ensure-runtimes.sh), on the Debian image with network none.
const names = containerNames("mc-test-conformance-runsc");
afterAll(() => names.cleanup());

describeBackendConformance("docker with runsc (gVisor, monoclaw-test/debian)", dockerConformanceOptions(names.next, { image: DEBIAN, runtime: "runsc" }));
