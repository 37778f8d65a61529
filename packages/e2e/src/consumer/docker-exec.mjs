// Runs in a project that installed the packed tarballs with npm: the Docker
// backend used through the public API only. Usage: node docker-exec.mjs IMAGE CWD
import { dockerBackendFactory } from "@monoclaw/backend-docker";

const [image, cwd] = process.argv.slice(2);
const backend = dockerBackendFactory.create(dockerBackendFactory.configSchema.parse({ image, network: "none", pull: "never" }), {
  terminal: { cwd, timeoutMs: 120_000 },
  env: process.env,
});
try {
  const greeting = await backend.exec("echo hello from a container");
  const interfaces = await backend.exec("ls /sys/class/net");
  const decode = (bytes) => new TextDecoder().decode(bytes);
  console.log(
    JSON.stringify({
      specificationVersion: backend.specificationVersion,
      backend: backend.name,
      exitCode: greeting.exitCode,
      stdout: decode(greeting.stdout.head),
      interfaces: decode(interfaces.stdout.head),
    }),
  );
} finally {
  await backend.dispose();
}
