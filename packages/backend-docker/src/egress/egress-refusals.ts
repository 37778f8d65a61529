import type Docker from "dockerode";
import { readEgressLog, type EgressRecord } from "./egress-log.js";

/** At most this many refused hosts are named per command; the rest are counted. */
const MAX_NAMED = 5;

/**
 * The hosts the sandbox's egress proxy refused since `sinceMs`, as notices
 * for a command's result ("refused denied.test:443: not in ...; allow it
 * with: ..."), so the model asks the user instead of retrying. Attributed by
 * time: a command running beside it in the same sandbox may add to them.
 */
export async function egressRefusalsSince(docker: Docker, sandboxName: string, sinceMs: number): Promise<string[]> {
  const refused: EgressRecord[] = [];
  const since = new Date(sinceMs).toISOString();
  await readEgressLog(docker, sandboxName, {
    sinceSeconds: Math.floor(sinceMs / 1000),
    onRecord: (record) => {
      if (record.decision === "refused" && record.time >= since) refused.push(record);
    },
  }).catch(() => false);
  const reasons = [...new Set(refused.map((record) => String(record.reason ?? `refused ${record.host}:${record.port}`)))];
  const notices = reasons.slice(0, MAX_NAMED).map((reason) => `egress proxy: ${reason}`);
  if (reasons.length > MAX_NAMED) notices.push(`egress proxy: ${reasons.length - MAX_NAMED} more refusals (monoclaw sandbox egress ${sandboxName} lists them)`);
  return notices;
}
