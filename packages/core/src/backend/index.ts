// Runtime helpers shared by backends (host, Docker, third-party).
// Named exports only: each name here is public API (see etc/*.api.md); anything else in src/ is internal.
export { BackendError, type BackendErrorCode, isBackendError } from "./backend-error.js";
export {
  assertSupportedBackend,
  type BackendFactory,
  type BackendFactoryContext,
  SUPPORTED_BACKEND_SPECIFICATION_VERSIONS,
  type TerminalSettings,
} from "./backend-factory.js";
export { childProcessShellTransport } from "./child-process-shell-transport.js";
export { ENVIRONMENT_VARIABLE_NAME, ENVIRONMENT_VARIABLE_NAME_HINT } from "./environment-variable-name.js";
export { effectiveTimeoutMs, watchDeadline } from "./exec-deadline.js";
export { createExecOutput } from "./exec-output.js";
export { assertEnvNames, execStatus } from "./exec-status.js";
export {
  type CapturedOutput,
  DEFAULT_OUTPUT_CAP_BYTES,
  DEFAULT_SPILL_CAP_BYTES,
  type ExecOptions,
  type ExecResult,
  EXIT_CODE_ABORTED,
  EXIT_CODE_TIMEOUT,
  type OutputStreamName,
} from "./exec-types.js";
export {
  BACKEND_SPECIFICATION_VERSION,
  type ExecutionBackend,
  type OperationOptions,
  type ReadFileOptions,
  type SessionOptions,
  type ShellSession,
  type WriteFileOptions,
} from "./execution-backend.js";
export { fileTooLargeError, notRegularFileError, readCap, specialFileKind, type SpecialFileKind } from "./file-refusals.js";
export type { DirEntry, FileKind, FileStat } from "./file-types.js";
export type { BackendStatus, HealthCheck, HealthLevel } from "./health-types.js";
export { runLocalScript } from "./local-script.js";
export { ownerRunMarker, sweepOrphanedCommands } from "./orphaned-commands.js";
export { capturedText, createOutputCapture, type OutputCapture, type OutputCaptureOptions } from "./output-capture.js";
export { createOutputFlow } from "./output-flow.js";
export { DEFAULT_KILL_GRACE_MS, processTreeKillScript } from "./process-tree-kill.js";
export { childRunMarker, newRunMarker, RUN_MARKER_VARIABLE, runMarkerEnv } from "./run-marker.js";
export { buildChildEnv, isSecretEnvName, isSecretVariable } from "./secret-env.js";
export { shellQuote } from "./shell-quote.js";
export { openShellSession, type StagedStdin } from "./shell-session.js";
export type { OpenShellTransport, ShellTransport } from "./shell-transport.js";
export { spillUsage } from "./spill-directory.js";
export { durationRangeText, isTimerDurationSeconds, secondsToTimerMs } from "./timer-duration.js";
export { waitForStreamsEnd } from "./wait-for-streams.js";
