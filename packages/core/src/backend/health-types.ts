/** `ok` passes, `warn` passes with advice, `fail` means the backend cannot be used as configured. */
export type HealthLevel = "ok" | "warn" | "fail";

/** One line of `monoclaw doctor`. */
export interface HealthCheck {
  /** Stable identifier, e.g. `docker.engine`. */
  id: string;
  level: HealthLevel;
  /** What was checked and what was found, one line. */
  message: string;
  /** How to fix it, when level is not `ok`. */
  fix?: string;
}

/** A short description of the backend's state for status lines and prompts. */
export interface BackendStatus {
  /** Backend name, e.g. `host` or `docker`. */
  backend: string;
  /** Whether it can run commands right now (a lazily created container that does not exist yet still counts as available). */
  available: boolean;
  /** One-line human summary, e.g. `container monoclaw-3f2a1c running (ubuntu:24.04)`. */
  summary: string;
  /** Backend-specific facts (endpoint, container id, ...), JSON-safe. */
  details?: Record<string, unknown>;
}
