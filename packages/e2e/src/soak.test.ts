import path from "node:path";
import { describe, expect, it } from "vitest";
import { workspaceRoot } from "./published-packages.js";
import { runCommand } from "./run-command.js";

/**
 * The soak bench (bench/soak.mjs), short: mom as a child process with one
 * container per channel on the bench's own dockerd, a 20 s stream of
 * mentions across 10 channels (50 MB outputs, /dev/zero and FIFO reads,
 * timeouts, `@mom stop`), the engine restarted in the middle. The bench exits
 * 1 when a criterion fails; its report says which.
 */
describe("mom soak (bench/soak.mjs --duration 20s)", () => {
  it("answers every mention exactly once through an engine restart, leaving no spill bytes and no extra descriptors", async () => {
    const result = await runCommand(process.execPath, [path.join(workspaceRoot, "bench/soak.mjs"), "--duration", "20s"], {
      cwd: workspaceRoot,
      timeoutMs: 240_000,
    });
    const report = result.stdout;
    expect(report, result.stderr).toContain("## Soak: mom under a stream of mixed requests");
    const answered = /^- requests answered: (\d+)\/(\d+)$/m.exec(report);
    expect(answered, report).not.toBeNull();
    // Positive control: a real stream was served (one mention every 400 ms for 20 s, plus the warm-up).
    expect(Number(answered![2])).toBeGreaterThanOrEqual(40);
    expect(answered![1]).toBe(answered![2]);
    expect(report).toMatch(/^- lost: 0$/m);
    expect(report).toMatch(/^- duplicated: 0$/m);
    expect(report).toMatch(/^- stops sent: [1-9]\d*, answered "Stopped": [1-9]\d*$/m);
    expect(report).toMatch(/^- spill bytes left on disk: 0 /m);
    expect(report).toMatch(/the engine restarted once at \d+ s/);
    expect(report).toContain("- result: **PASS**");
    expect(result.exitCode, `${report}\n${result.stderr.slice(-3000)}`).toBe(0);
  }, 300_000);
});
