import type Docker from "dockerode";
import { readEgressLog, type EgressRecord } from "./egress-log.js";

/** At most this many refused hosts are named per command; the rest are counted. */
const MAX_NAMED = 5;

/** The proxy's decisions (not its own events) logged since `sinceMs`; none when the proxy is gone. */
export async function egressDecisionsSince(docker: Docker, sandboxName: string, sinceMs: number): Promise<EgressRecord[]> {
  const decisions: EgressRecord[] = [];
  const since = new Date(sinceMs).toISOString();
  await readEgressLog(docker, sandboxName, {
    sinceSeconds: Math.floor(sinceMs / 1000),
    onRecord: (record) => {
      if (record.decision !== undefined && record.time >= since) decisions.push(record);
    },
  }).catch(() => false);
  return decisions;
}

/**
 * Notices for a command's result naming what the proxy refused ("refused
 * denied.test:443: not in ...; allow it with: ..."), so the model asks the
 * user instead of retrying. Attributed by time: a command running beside it
 * in the same sandbox may add to them.
 */
export function refusalNotices(decisions: readonly EgressRecord[], sandboxName: string): string[] {
  const refused = decisions.filter((record) => record.decision === "refused");
  const reasons = [...new Set(refused.map((record) => String(record.reason ?? `refused ${record.host}:${record.port}`)))];
  const notices = reasons.slice(0, MAX_NAMED).map((reason) => `egress proxy: ${reason}`);
  if (reasons.length > MAX_NAMED) notices.push(`egress proxy: ${reasons.length - MAX_NAMED} more refusals (monoclaw sandbox egress ${sandboxName} lists them)`);
  return notices;
}
