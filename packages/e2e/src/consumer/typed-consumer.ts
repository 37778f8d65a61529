// Type-checked (never run) in a project that installed the packed tarballs:
// the published declarations resolve under NodeNext and describe the contract.
import { BackendError, isBackendError, type BackendFactory, type ExecResult, type ExecutionBackend } from "@monoclaw/core";
import { hostBackendFactory } from "@monoclaw/backend-host";
import { dockerBackendFactory } from "@monoclaw/backend-docker";

const factories: BackendFactory[] = [hostBackendFactory as BackendFactory, dockerBackendFactory as BackendFactory];

export async function firstLine(backend: ExecutionBackend, command: string): Promise<string> {
  const result: ExecResult = await backend.exec(command, { timeoutMs: 5_000 });
  if (result.exitCode !== 0) throw new BackendError("IO", `${command} exited with ${result.exitCode}`);
  return new TextDecoder().decode(result.stdout.head).split("\n")[0] ?? "";
}

export function describeFactories(): string[] {
  return factories.map((factory) => `${factory.name}: ${factory.description}`);
}

export function isMissing(error: unknown): boolean {
  return isBackendError(error, "ENOENT");
}
