import { afterAll } from "vitest";
import { describeBackendConformance } from "@monoclaw/core/testing";
import { BUSYBOX } from "./docker.test-helpers.js";
import { podmanConformanceOptions, podmanContainerNames, ROOTLESS_PODMAN } from "./podman.test-helpers.js";

// The backend contract on rootless Podman (user monoclaw-podman's own API service, scripts/ensure-podman.sh),
// on the busybox image loaded into that user's store, with network none and pull: never.
const names = podmanContainerNames("mc-test-conformance-podman-rootless", ROOTLESS_PODMAN);
afterAll(() => names.cleanup());

describeBackendConformance("rootless podman (monoclaw-test/busybox, sh only)", podmanConformanceOptions(names.next, { image: BUSYBOX }, ROOTLESS_PODMAN));
