import { readFileSync, readdirSync } from "node:fs";

/**
 * Pids of host processes whose `/proc/<pid>/<file>` (read as latin1) passes
 * `matches`. A process that ends, or is not ours to read, during the scan is
 * left out; the scan never throws for it.
 */
export function hostPidsWhere(file: "cmdline" | "environ", matches: (content: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (matches(readFileSync(`/proc/${entry}/${file}`, "latin1"))) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Polls `condition` every 20 ms until it holds; throws after 30 s. */
export async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
