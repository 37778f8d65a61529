// Runs in a project that installed the packed tarballs with npm: core and the
// host backend used through the public API only, as a third party would.
import { BACKEND_SPECIFICATION_VERSION } from "@monoclaw/core";
import { hostBackendFactory } from "@monoclaw/backend-host";

const backend = hostBackendFactory.create(hostBackendFactory.configSchema.parse({}), {
  terminal: { cwd: process.cwd(), timeoutMs: 60_000 },
  env: process.env,
});
try {
  if (backend.specificationVersion !== BACKEND_SPECIFICATION_VERSION) throw new Error("specification mismatch");
  const result = await backend.exec('echo "$GREETING from the host backend"', { env: { GREETING: "hello" } });
  console.log(
    JSON.stringify({
      specificationVersion: backend.specificationVersion,
      backend: backend.name,
      exitCode: result.exitCode,
      stdout: new TextDecoder().decode(result.stdout.head),
    }),
  );
} finally {
  await backend.dispose();
}
