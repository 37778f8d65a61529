// The backend conformance suite (vitest): see conformance-suite.ts.
export { describeBackendConformance, type BackendConformanceOptions } from "./conformance-suite.js";
export {
  processesWithArgument,
  survivingProcesses,
  uniqueSleepSeconds,
  processTreeCommand,
  escapeRouteCommand,
  ESCAPE_ROUTES,
  PROCESS_TREE_MINIMUM,
  type EscapeRoute,
} from "./process-probe.js";
export { SECRET_ENV_SAMPLES, CONFIGURED_KEY_SAMPLE } from "./secret-env-samples.js";
