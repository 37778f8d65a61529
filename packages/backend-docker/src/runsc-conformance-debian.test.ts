import { afterAll } from "vitest";
import { describeBackendConformance } from "@monoclaw/core/testing";
import { DEBIAN, containerNames } from "./docker.test-helpers.js";
import { runscConformanceOptions } from "./runsc.test-helpers.js";

// The backend contract under gVisor on the Debian image (bash, coreutils 9, whose stat and ls
// cannot statx under Debian's runsc 20221219: the backend's file scripts fall back to find).
const names = containerNames("mc-test-conformance-runsc-debian");
afterAll(() => names.cleanup());

describeBackendConformance("docker runsc (monoclaw-test/debian, bash)", runscConformanceOptions(names.next, { image: DEBIAN }));
