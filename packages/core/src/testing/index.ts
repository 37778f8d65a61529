// The backend conformance suite (vitest): see conformance-suite.ts.
export { describeBackendConformance, type BackendConformanceOptions } from "./conformance-suite.js";
export { processesWithArgument, survivingProcesses, uniqueSleepSeconds, processTreeCommand } from "./process-probe.js";
