import { readFileSync } from "node:fs";

/** Peak resident memory (VmHWM, Linux /proc) of a live process, in bytes; 0 once it is gone. */
export function peakRss(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

/** A running sample of a process's peak RSS (every 50 ms); `stop` returns the highest seen. */
export function samplePeakRss(pid: number, everyMs = 50): { stop(): number; readonly peak: number } {
  let peak = peakRss(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, peakRss(pid));
  }, everyMs);
  return {
    get peak() {
      return peak;
    },
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

const MiB = 1024 * 1024;

/**
 * The stated bound on how far a streaming MonoClaw process (exec, run --json,
 * mom) may grow over its idle level, whatever its reader does: 64 MiB on
 * Node 20, 128 MiB from Node 22, whose V8 keeps a larger young generation.
 * Measured on Node 24 with a reader (or Slack) that stalls: `monoclaw exec`
 * grows 73 MiB for 512 MiB of output and 84 MiB for 2 GiB (Node 20: 35 and
 * 42); mom 108 MiB for 256 MiB and 111 MiB for 4 GiB. A constant, not
 * buffering: it does not follow the size of the output.
 */
export function rssGrowthBound(nodeMajor = Number(process.versions.node.split(".")[0])): number {
  return (nodeMajor >= 22 ? 128 : 64) * MiB;
}
