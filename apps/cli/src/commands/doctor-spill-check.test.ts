import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestHome, runBin, type TestHome } from "../cli.test-helpers.js";

let t: TestHome;
beforeEach(() => {
  t = createTestHome();
});
afterEach(() => t.remove());

interface DoctorJson {
  checks: { id: string; level: string; message: string; fix?: string }[];
}

describe("monoclaw doctor: spill files", () => {
  it("reports the space spill files use, and warns about what ended processes left behind", async () => {
    const tmp = mkdtempSync(join(t.root, "tmp-"));
    const env = { ...t.env, TMPDIR: tmp };
    const clean = JSON.parse((await runBin(["doctor", "--json"], { env, cwd: t.workdir })).stdout) as DoctorJson;
    expect(clean.checks.find((check) => check.id === "spill-files")).toEqual({
      id: "spill-files",
      level: "ok",
      message: `spill files: 0 kB in 0 files under ${join(tmp, "monoclaw-output")} (0 kB of 0 running processes, 0 kB left by processes that ended)`,
    });

    // A process that no longer runs (pid 2^22+1 is above Linux's pid_max) left 3 MB.
    const left = join(tmp, "monoclaw-output", "4194305-123");
    mkdirSync(left, { recursive: true });
    writeFileSync(join(left, "stdout-1.log"), Buffer.alloc(3 * 1024 * 1024));
    const report = JSON.parse((await runBin(["doctor", "--json"], { env, cwd: t.workdir })).stdout) as DoctorJson;
    expect(report.checks.find((check) => check.id === "spill-files")).toMatchObject({
      level: "warn",
      message: `spill files: 3.0 MB in 1 file under ${join(tmp, "monoclaw-output")} (0 kB of 0 running processes, 3.0 MB left by processes that ended)`,
      fix: expect.stringContaining("removed the next time monoclaw or mom saves a long output"),
    });
  });
});
