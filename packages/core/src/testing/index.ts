// The backend conformance suite (vitest): see conformance-suite.ts.
// Named exports only: each name here is public API (see etc/*.api.md); anything else in src/ is internal.
export { type BackendConformanceOptions, describeBackendConformance } from "./conformance-suite.js";
export {
  ESCAPE_ROUTES,
  type EscapeRoute,
  escapeRouteCommand,
  PROCESS_TREE_MINIMUM,
  processesWithArgument,
  processTreeCommand,
  survivingProcesses,
  uniqueSleepSeconds,
} from "./process-probe.js";
export { CONFIGURED_KEY_SAMPLE, SECRET_ENV_SAMPLES } from "./secret-env-samples.js";
