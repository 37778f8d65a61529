export { dockerBackendFactory } from "./docker-backend-factory.js";
export { createDockerBackend, type DockerBackend, type DockerBackendOptions } from "./docker-backend.js";
// The warm pool as a long-lived process holds it: members with their shells open (DockerBackendOptions.warmPoolKeeper).
export { createWarmPoolKeeper, type WarmPoolKeeper } from "./container/warm-pool-keeper.js";
export {
  dockerConfigSchema,
  parseDockerConfig,
  DEFAULT_IDLE_TIMEOUT_SECONDS,
  DEFAULT_PIDS_LIMIT,
  type DockerConfig,
  type DockerConfigInput,
} from "./docker-config.js";
export { inspectAttachedContainer, type AttachedContainerInfo } from "./container/attached-container.js";
export { connectEngine, DISCOVERY_STRATEGIES, type DiscoveryStrategy, type EngineConnection } from "./engine/engine-discovery.js";
export { processDiscoveryEnvironment, type DiscoveryEnvironment } from "./engine/discovery-environment.js";
export type { EngineEndpoint } from "./engine/engine-endpoint.js";
export { listManagedContainers, reapExpiredContainers, removeManaged, type ManagedContainerSummary } from "./container/container-reaper.js";
export {
  LABEL_MANAGED_BY,
  MANAGED_BY_VALUE,
  LABEL_CONFIG_HASH,
  LABEL_CREATED_AT,
  LABEL_SCOPE,
  LABEL_SCOPE_KIND,
  LABEL_SCOPE_ID,
} from "./container/container-labels.js";
export { ADDED_CAPABILITIES, containerNameForScope, type ContainerScope, type ScopeKind } from "./container/container-spec.js";
export { ensureImage, pullImage, followProgress, imageNotFoundFix, type ProgressEvent, type PullPolicy } from "./image/image-pull.js";
export { createProgressPrinter } from "./image/progress-printer.js";
export { createFrameDemuxer, type FrameDemuxer } from "./exec/frame-demuxer.js";
export { createHostPathTranslator, hostPathHealthCheck, type HostPathTranslator } from "./engine/host-path-translation.js";
export { buildImage, type BuildImageOptions } from "./image/image-build.js";
export { MONOCLAW_DOCKERFILE, DEFAULT_IMAGE_TAG } from "./image/monoclaw-dockerfile.js";
export type { InteractiveShellIO } from "./exec/interactive-shell.js";
export { resolveContainerUser } from "./container/user-spec.js";
export { dockerConfigRefusals, type ConfigRefusalContext } from "./container/volume-mounts.js";
export { containerRisks, describeHardening, type ContainerRisk } from "./container/container-risks.js";
export { readEgressLog, formatEgressRecord, type EgressRecord, type ReadEgressLogOptions } from "./egress/egress-log.js";
// The egress proxy's program (one file of plain Node), for tools that run the proxy themselves, such as mom's docker.sh.
export { egressProxySource } from "./egress/egress-proxy-source.js";
// Writes a policy into a running egress proxy and waits until it is live (mom, for the proxy docker.sh made).
export { pushEgressPolicy } from "./egress/push-egress-policy.js";
// Secretless credentials for a proxy run by another tool (mom, for the proxy docker.sh made with MOM_SECRETS):
// the values and placeholders, the proxy's CA and its installation in the sandbox, the variables each command gets.
export { loadBoundSecrets, placeholderEnv, type BoundSecret } from "./egress/secrets/sandbox-secrets.js";
export type { SecretConfig } from "./egress/secrets/secret-config.js";
export type { SecretSourceContext } from "./egress/secrets/secret-values.js";
export { caTrustEnv, installSandboxCa } from "./egress/secrets/sandbox-trust.js";
export { readProxyAuthority } from "./egress/proxy-authority.js";
