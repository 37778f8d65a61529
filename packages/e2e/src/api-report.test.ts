import path from "node:path";
import { describe, expect, it } from "vitest";
import { workspaceRoot } from "./published-packages.js";
import { runCommand } from "./run-command.js";

describe("the published API", () => {
  // Each published package's public surface is a report in <package>/etc/*.api.md,
  // made by API Extractor from the built declarations: a change of the surface
  // must come with its report, so it shows in review.
  it("matches the committed API reports of every published package and entry point", { timeout: 300_000 }, async () => {
    const result = await runCommand(process.execPath, [path.join(workspaceRoot, "scripts", "api-report.mjs"), "--check"], {
      cwd: workspaceRoot,
      timeoutMs: 280_000,
    });
    expect(result.exitCode, result.stderr).toBe(0);
  });
});
