// Type-checked (never run) in a project that installed the packed tarballs:
// the published declarations resolve under NodeNext and describe the contract.
import { BackendError, isBackendError, type BackendFactory, type ExecResult, type ExecutionBackend, type OutputStreamName } from "@monoclaw/core";
import { hostBackendFactory } from "@monoclaw/backend-host";
import { dockerBackendFactory } from "@monoclaw/backend-docker";

const factories: BackendFactory[] = [hostBackendFactory as BackendFactory, dockerBackendFactory as BackendFactory];

/** Bytes each stream delivered live, checked against the totals in the result. */
export async function streamedBytes(backend: ExecutionBackend, command: string): Promise<Record<OutputStreamName, number>> {
  const seen: Record<OutputStreamName, number> = { stdout: 0, stderr: 0 };
  const result: ExecResult = await backend.exec(command, {
    timeoutMs: 5_000,
    onOutput: (stream, chunk) => {
      seen[stream] += chunk.byteLength;
    },
  });
  if (result.exitCode !== 0) throw new BackendError("IO", `${command} exited with ${result.exitCode}`);
  if (seen.stdout !== result.stdout.totalBytes) throw new BackendError("IO", "stdout totals differ");
  return seen;
}

export function describeFactories(): string[] {
  return factories.map((factory) => `${factory.name}: ${factory.description}`);
}

export function isMissing(error: unknown): boolean {
  return isBackendError(error, "ENOENT");
}
