import type { BackendFactory, ExecutionBackend } from "@monoclaw/core/backend";

/**
 * A factory like `real`'s, whose backends load `real`'s code on their first
 * call: `create` stays free of I/O, and a command that never uses the backend
 * (`exec --backend host`, `config`, `--help`) never loads or evaluates it.
 * `known` is what the factory states without loading (name, description,
 * config schema); `workspacePath` is the one member a backend states before
 * any call, so it comes from the parsed config.
 */
export function deferredBackendFactory<Config>(
  known: Pick<BackendFactory<Config>, "name" | "description" | "configSchema">,
  workspacePath: (config: Config) => string,
  real: () => Promise<BackendFactory<Config>>,
): BackendFactory<Config> {
  let loaded: Promise<BackendFactory<Config>> | undefined;
  const load = () => (loaded ??= real());
  return {
    ...known,
    create: (config, context) => deferredBackend(known.name, workspacePath(config), () => load().then((factory) => factory.create(config, context))),
    // What the real factory holds for the process (the Docker warm pool's members) is let go at exit; never loaded, nothing held.
    release: async () => (loaded === undefined ? undefined : (await loaded).release?.()),
  };
}

function deferredBackend(name: string, workspacePath: string, make: () => Promise<ExecutionBackend>): ExecutionBackend {
  let made: Promise<ExecutionBackend> | undefined;
  const backend = () => {
    made ??= make();
    return made;
  };
  return {
    specificationVersion: "v1",
    name,
    workspacePath,
    exec: async (command, options) => (await backend()).exec(command, options),
    openSession: async (options) => (await backend()).openSession(options),
    readFile: async (path, options) => (await backend()).readFile(path, options),
    writeFile: async (path, data, options) => (await backend()).writeFile(path, data, options),
    listDirectory: async (path, options) => (await backend()).listDirectory(path, options),
    stat: async (path, options) => (await backend()).stat(path, options),
    status: async () => (await backend()).status(),
    healthChecks: async () => (await backend()).healthChecks(),
    // Never made: nothing to release, and no reason to load the backend now.
    dispose: async () => (made === undefined ? undefined : (await made).dispose()),
  };
}
