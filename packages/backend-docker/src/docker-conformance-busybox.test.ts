import { afterAll } from "vitest";
import { describeBackendConformance } from "@monoclaw/core/testing";
import { BUSYBOX, containerNames } from "./docker.test-helpers.js";
import { dockerConformanceOptions } from "./docker-conformance.test-helpers.js";

// The backend contract, proven on the busybox image (network none) through the real engine.
const names = containerNames("mc-test-conformance-busybox");
afterAll(() => names.cleanup());

describeBackendConformance("docker (monoclaw-test/busybox, sh only)", dockerConformanceOptions(names.next, { image: BUSYBOX }));
