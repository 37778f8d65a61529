/** Label keys on every container MonoClaw creates; the reaper touches nothing without `MANAGED_BY`. */
export const LABEL_MANAGED_BY = "dev.monoclaw.managed-by";
export const MANAGED_BY_VALUE = "monoclaw";
/** Hash of the effective container configuration: a mismatch means the config changed and the container is replaced. */
export const LABEL_CONFIG_HASH = "dev.monoclaw.config-hash";
/** ISO time of creation (for max_age reaping and `sandbox ls`). */
export const LABEL_CREATED_AT = "dev.monoclaw.created-at";
/** The host directory MonoClaw ran in when it created the container. */
export const LABEL_SCOPE = "dev.monoclaw.scope";
/** What the container serves: `directory`, `session`, `shared` (the CLI's `terminal.docker.scope`) or `channel` (mom). */
export const LABEL_SCOPE_KIND = "dev.monoclaw.scope-kind";
/** The session id (`session` scope) or the Slack channel id (`channel` scope); absent for the others. */
export const LABEL_SCOPE_ID = "dev.monoclaw.scope-id";
/** `true` on containers made for the warm pool (`warm_pool`); a claimed member keeps it, so `sandbox ls` can say where it came from. */
export const LABEL_POOL = "dev.monoclaw.pool";
/** `true` when created with keep_warm: idle stop and reaping leave it alone while it runs. */
export const LABEL_KEEP_WARM = "dev.monoclaw.keep-warm";

/** The filter that lists only our containers. */
export const MANAGED_FILTER = { label: [`${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`] };
