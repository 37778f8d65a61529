import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Reporter, TestModule, Vitest } from "vitest/node";

/**
 * Records the errors vitest caught outside any test (an EPIPE in a helper, a
 * rejection nobody awaited). They fail the run but vitest's JSON report does
 * not count them, so scripts/count-test-results.mjs reads this file too and a
 * red run can never print "0 failed".
 */
export class UnhandledErrorsReporter implements Reporter {
  private root = process.cwd();

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message?: string; name?: string }>): void {
    const directory = join(this.root, ".test-results");
    mkdirSync(directory, { recursive: true });
    const errors = unhandledErrors.map((error) => `${error.name ?? "Error"}: ${error.message ?? "(no message)"}`);
    writeFileSync(join(directory, "unhandled-errors.json"), `${JSON.stringify({ count: errors.length, errors }, null, 2)}\n`);
  }
}
