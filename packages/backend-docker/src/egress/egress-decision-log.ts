import { appendFile, mkdir, rename, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { EgressRecord } from "./egress-log.js";

/** Past this size the log is moved to `<file>.1` (the one before is dropped): disk stays bounded. */
const MAX_LOG_BYTES = 16 * 1024 * 1024;

export interface EgressDecisionLog {
  readonly file: string;
  /** Appends the decisions not appended yet (commands' windows overlap), one JSON line each. */
  append(records: readonly EgressRecord[]): Promise<void>;
}

/**
 * MonoClaw's own copy of a sandbox's egress decisions, on MonoClaw's side
 * (`$MONOCLAW_HOME/egress/<sandbox>.jsonl`, which the mount policy keeps out
 * of every sandbox), as each command's decisions are read after it ran. The
 * engine keeps the proxy's full log too (`monoclaw sandbox egress`).
 */
export function createEgressDecisionLog(file: string): EgressDecisionLog {
  let lastTime = "";
  let linesAtLastTime = new Set<string>();
  let writing: Promise<void> = Promise.resolve();
  const write = async (lines: string[]) => {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const size = await stat(file).then(
      (s) => s.size,
      () => 0,
    );
    if (size > MAX_LOG_BYTES) await rename(file, `${file}.1`);
    await appendFile(file, lines.join(""), { mode: 0o600 });
  };
  return {
    file,
    append(records) {
      const lines: string[] = [];
      for (const record of records) {
        if (record.decision === undefined || record.time < lastTime) continue;
        const line = `${JSON.stringify(record)}\n`;
        if (record.time === lastTime && linesAtLastTime.has(line)) continue;
        if (record.time > lastTime) {
          lastTime = record.time;
          linesAtLastTime = new Set();
        }
        linesAtLastTime.add(line);
        lines.push(line);
      }
      if (lines.length === 0) return writing;
      writing = writing.then(() => write(lines)).catch(() => undefined);
      return writing;
    },
  };
}
