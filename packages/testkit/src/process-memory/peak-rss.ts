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
