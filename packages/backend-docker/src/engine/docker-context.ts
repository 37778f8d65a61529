import { createHash } from "node:crypto";
import { join } from "node:path";
import type { DiscoveryEnvironment } from "./discovery-environment.js";
import type { EngineEndpoint } from "./engine-endpoint.js";

/** `$DOCKER_CONFIG`, or `~/.docker`. */
export function dockerConfigDir(environment: DiscoveryEnvironment): string {
  return environment.env.DOCKER_CONFIG || join(environment.homeDir, ".docker");
}

/**
 * The endpoint of the current Docker context, the way the docker CLI picks it:
 * `DOCKER_CONTEXT`, else `currentContext` in `config.json`. Returns undefined
 * for the `default` context or when no context is selected. Throws an Error
 * naming the files involved when a selected context does not exist.
 */
export function currentContextEndpoint(environment: DiscoveryEnvironment): EngineEndpoint | undefined {
  const configDir = dockerConfigDir(environment);
  let name = environment.env.DOCKER_CONTEXT;
  let source = "Docker context (DOCKER_CONTEXT)";
  if (!name) {
    const text = environment.readText(join(configDir, "config.json"));
    if (text) {
      try {
        name = (JSON.parse(text) as { currentContext?: string }).currentContext;
      } catch {
        throw new Error(`${join(configDir, "config.json")} is not valid JSON; fix or remove it`);
      }
    }
    source = `Docker context (currentContext in ${join(configDir, "config.json")})`;
  }
  if (!name || name === "default") return undefined;
  // The docker CLI stores each context under the SHA-256 of its name.
  const id = createHash("sha256").update(name).digest("hex");
  const metaPath = join(configDir, "contexts", "meta", id, "meta.json");
  const metaText = environment.readText(metaPath);
  if (!metaText) {
    throw new Error(`Docker context "${name}" is selected but ${metaPath} does not exist; run \`docker context use default\` or create the context`);
  }
  const meta = JSON.parse(metaText) as { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  const docker = meta.Endpoints?.docker;
  if (!docker?.Host) throw new Error(`Docker context "${name}" (${metaPath}) has no docker endpoint`);
  const tlsDir = join(configDir, "contexts", "tls", id, "docker");
  const hasTls = environment.exists(join(tlsDir, "cert.pem"));
  return {
    url: docker.Host,
    source: `${source}: "${name}"`,
    ...(hasTls || docker.SkipTLSVerify ? { tls: { certPath: hasTls ? tlsDir : undefined, verify: !docker.SkipTLSVerify } } : {}),
  };
}
