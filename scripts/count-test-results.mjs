#!/usr/bin/env node
// Sums the vitest JSON reports of every package into the plain line CI reads:
// "N passed, N failed". A package whose tests crashed before writing a report
// is counted as one failure, and so is each error vitest caught outside any
// test (.test-results/unhandled-errors.json), so a red run never says "0 failed".
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
let passed = 0;
let failed = 0;
for (const group of ["packages", "apps"]) {
  for (const name of readdirSync(join(root, group))) {
    const dir = join(root, group, name);
    if (!existsSync(join(dir, "vitest.config.ts"))) continue;
    const report = join(dir, ".test-results", "vitest.json");
    if (!existsSync(report)) {
      console.error(`${group}/${name}: no test report (its tests did not run to the end)`);
      failed += 1;
      continue;
    }
    const result = JSON.parse(readFileSync(report, "utf8"));
    passed += result.numPassedTests;
    failed += result.numFailedTests + (result.numFailedTestSuites ?? 0);
    const unhandled = join(dir, ".test-results", "unhandled-errors.json");
    if (existsSync(unhandled)) {
      const { count, errors } = JSON.parse(readFileSync(unhandled, "utf8"));
      for (const error of errors) console.error(`${group}/${name}: unhandled error outside any test: ${error}`);
      failed += count;
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
