import { afterAll } from "vitest";
import { describeBackendConformance } from "@monoclaw/core/testing";
import { BUSYBOX } from "./docker.test-helpers.js";
import { podmanConformanceOptions, podmanContainerNames } from "./podman.test-helpers.js";

// The backend contract on rootful Podman (scripts/ensure-podman.sh), on the busybox image that
// Podman stores as localhost/monoclaw-test/busybox, with network none and pull: never.
const names = podmanContainerNames("mc-test-conformance-podman");
afterAll(() => names.cleanup());

describeBackendConformance("rootful podman (monoclaw-test/busybox, sh only)", podmanConformanceOptions(names.next, { image: BUSYBOX }));
