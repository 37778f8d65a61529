export { createProgram } from "./program.js";
export { runCli } from "./run-cli.js";
export { createCliContext, type CliContext } from "./cli-context.js";
export { CliError, usageError, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from "./cli-error.js";
export { backendFactories } from "./backends.js";
