export * from "./backend/index.js";
export type * from "./agent/agent-events.js";
export * from "./models/index.js";
export * from "./config/index.js";
export * from "./safety/index.js";
export * from "./tools/index.js";
export * from "./agent/index.js";
export * from "./prompt/index.js";
// Named on purpose: host-side file access in a directory a sandbox may write to.
export {
  ConfinedDir,
  ConfinedPathError,
  isNotFoundError,
  type ConfinedDirOptions,
  type ConfinedEntry,
  type ConfinedEntryKind,
  type ConfinedRead,
  type ConfinedReadOptions,
  type ConfinedRefusal,
  type ConfinedStat,
  type ConfinedWriteOptions,
} from "./fs/confined-dir.js";
