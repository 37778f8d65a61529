// Named exports only: each name here is public API (see etc/*.api.md); anything else in src/ is internal.
export type {
  AgentErrorEvent,
  AgentEvent,
  CompactionEvent,
  RetryEvent,
  TextDeltaEvent,
  ToolEndEvent,
  ToolOutputEvent,
  ToolStartEvent,
  TurnEndEvent,
  TurnStartEvent,
  UsageEvent,
} from "./agent/agent-events.js";
export type { AgentModel } from "./agent/agent-model.js";
export { runAgentTurn } from "./agent/agent-turn.js";
export { type Agent, createAgent } from "./agent/agent.js";
export { BackendError, type BackendErrorCode, isBackendError } from "./backend/backend-error.js";
export {
  assertSupportedBackend,
  type BackendFactory,
  type BackendFactoryContext,
  SUPPORTED_BACKEND_SPECIFICATION_VERSIONS,
  type TerminalSettings,
} from "./backend/backend-factory.js";
export {
  type CapturedOutput,
  DEFAULT_OUTPUT_CAP_BYTES,
  DEFAULT_SPILL_CAP_BYTES,
  type ExecOptions,
  type ExecResult,
  EXIT_CODE_ABORTED,
  EXIT_CODE_TIMEOUT,
  type OutputStreamName,
} from "./backend/exec-types.js";
export {
  BACKEND_SPECIFICATION_VERSION,
  type ExecutionBackend,
  type OperationOptions,
  type ReadFileOptions,
  type SessionOptions,
  type ShellSession,
  type WriteFileOptions,
} from "./backend/execution-backend.js";
export type { DirEntry, FileKind, FileStat } from "./backend/file-types.js";
export type { BackendStatus, HealthCheck, HealthLevel } from "./backend/health-types.js";
export { runLocalScript } from "./backend/local-script.js";
export { capturedText } from "./backend/output-capture.js";
export { processTreeKillScript } from "./backend/process-tree-kill.js";
export { newRunMarker, RUN_MARKER_VARIABLE } from "./backend/run-marker.js";
export { isSecretEnvName } from "./backend/secret-env.js";
export { shellQuote } from "./backend/shell-quote.js";
export { ConfigError } from "./config/config-error.js";
export type { MonoclawConfig } from "./config/config-schema.js";
export { createConfiguredBackend } from "./config/configured-backend.js";
export { loadConfig, type LoadedConfig, parseConfigDocument, readConfigText } from "./config/load-config.js";
export { ConfinedDir, ConfinedPathError, type ConfinedReadOptions, isNotFoundError } from "./fs/confined-dir.js";
export { preflightModel } from "./models/model-preflight.js";
export { type ResolvedModel, resolveModel } from "./models/model-registry.js";
export { isModelSetupError, ModelSetupError } from "./models/model-setup-error.js";
export { gatherPromptContext } from "./prompt/prompt-context.js";
export { buildSystemPrompt } from "./prompt/system-prompt.js";
export { ALWAYS_ASK_REASON, isSandboxedStatus } from "./safety/approval-policy.js";
export { DESTRUCTIVE_DETECTION_NOTE } from "./safety/destructive-commands.js";
export { createRedactor, type Redactor } from "./safety/secret-redactor.js";
export { type AgentTool, defineTool, ToolError } from "./tools/agent-tool.js";
export { createDefaultTools } from "./tools/default-tools.js";
