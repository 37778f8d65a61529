import type { RunningPoolMember } from "./warm-pool.js";

/**
 * The container commands run in, managed by MonoClaw or attached to by name.
 */
export interface ContainerTarget {
  readonly name: string;
  /** False for an attached container, which is never created, replaced, stopped or removed. */
  readonly managed: boolean;
  /** True when the container is to keep running after idle time and exit. */
  readonly keepWarm: boolean;
  /**
   * Resolves with the id of a running container, creating or starting it when
   * allowed. Concurrent callers share one attempt. Rejects with a BackendError
   * (`UNAVAILABLE`) that says what to do.
   */
  ensureRunning(): Promise<string>;
  /** Forgets the cached container after "No such container" or "not running", so the next call looks again. */
  invalidate(): void;
  /** Stops the container if this target manages it; a no-op for attached containers. */
  stop(): Promise<void>;
  /** Managed targets: brings the warm pool for these settings to `size` ready members; returns the names created. */
  refillPool?(size: number, maxAgeSeconds: number): Promise<string[]>;
  /** Managed targets: creates, starts and prepares one running pool member of these settings (for a process that holds members). */
  createPoolMember?(): Promise<RunningPoolMember>;
}
