import { spillUsage, type HealthCheck } from "@monoclaw/core/backend";

const MiB = 1024 * 1024;

/** Bytes as a person reads them: `0 B`, `12.3 MB`. */
function size(bytes: number): string {
  return bytes < MiB ? `${Math.ceil(bytes / 1024)} kB` : `${(bytes / MiB).toFixed(1)} MB`;
}

/**
 * The disk the full-output (spill) files use under `$TMPDIR/monoclaw-output`.
 * A warning when processes that ended (killed, crashed) left some behind:
 * they are removed when MonoClaw next saves output, or now by hand.
 */
export function spillFilesCheck(): HealthCheck {
  const usage = spillUsage();
  const running = usage.bytes - usage.staleBytes;
  const message = `spill files: ${size(usage.bytes)} in ${usage.files} file${usage.files === 1 ? "" : "s"} under ${usage.root} (${size(running)} of ${usage.liveOwners.length} running process${usage.liveOwners.length === 1 ? "" : "es"}, ${size(usage.staleBytes)} left by processes that ended)`;
  if (usage.staleBytes === 0) return { id: "spill-files", level: "ok", message };
  return {
    id: "spill-files",
    level: "warn",
    message,
    fix: "they are removed the next time monoclaw or mom saves a long output; to free the space now, remove the directories under it whose process is gone",
  };
}
