// What the @monoclaw/core README tells a third-party backend author to write,
// run against the installed host backend by the consumer project's own vitest.
import { describeBackendConformance } from "@monoclaw/core/testing";
import { hostBackendFactory } from "@monoclaw/backend-host";

describeBackendConformance("host (installed from its tarball)", {
  createBackend: () =>
    hostBackendFactory.create(hostBackendFactory.configSchema.parse({}), {
      terminal: { cwd: process.cwd(), timeoutMs: 60_000 },
      env: process.env,
    }),
  createUnreachableBackend: () =>
    hostBackendFactory.create(hostBackendFactory.configSchema.parse({ shell: "/nonexistent/monoclaw-no-such-shell" }), {
      terminal: { cwd: process.cwd(), timeoutMs: 60_000 },
      env: process.env,
    }),
});
