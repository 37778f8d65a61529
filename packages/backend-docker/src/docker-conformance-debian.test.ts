import { afterAll } from "vitest";
import { describeBackendConformance } from "@monoclaw/core/testing";
import { DEBIAN, containerNames } from "./docker.test-helpers.js";
import { dockerConformanceOptions } from "./docker-conformance.test-helpers.js";

// The backend contract, proven on the debian image (network none) through the real engine.
const names = containerNames("mc-test-conformance-debian");
afterAll(() => names.cleanup());

describeBackendConformance("docker (monoclaw-test/debian, bash)", dockerConformanceOptions(names.next, { image: DEBIAN }));
