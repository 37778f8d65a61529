#!/usr/bin/env node
// Sums the vitest JSON reports of every workspace package into the plain line
// CI reads: "N passed, N failed, N skipped". It is built so that a red or
// partial run can never look green:
// - every package with tests must have a report; one without is a named failure;
// - a test counts once: a failed test is one failure, and a test file that failed
//   without any failed test in it (an import error, a failing hook) is one more;
// - skipped and todo tests are counted, named, and fail the run;
// - each error vitest caught outside any test (.test-results/unhandled-errors.json)
//   is a failure;
// - when scripts/test-all.sh ran the suite more than once (one run per Node.js
//   major, listed in .test-runs), every run is counted and every run needs its
//   reports (<package>/.test-results/<run>/), except the packages its line in
//   .test-runs leaves out by name ("node24 -packages/e2e").
// Usage: node scripts/count-test-results.mjs [workspace-root]
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

const root = process.argv[2] ?? new URL("..", import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
/** Tests that run against a container engine, by engine and runtime (named by their file: *podman*, *runsc*). */
const perEngine = new Map();

const runsFile = join(root, ".test-runs");
// A line is a run's name, then the packages that run leaves out, each as `-<dir>` (e.g. `node24 -packages/e2e`).
const runs = existsSync(runsFile) ? readFileSync(runsFile, "utf8").split("\n").filter(Boolean) : [""];
for (const line of runs) {
  const [run = "", ...rest] = line.split(" ").filter(Boolean);
  const leftOut = new Set(rest.filter((word) => word.startsWith("-")).map((word) => word.slice(1)));
  for (const dir of workspacePackages(root)) {
    if (hasTests(join(dir, "src")) && !leftOut.has(relative(root, dir))) countPackage(dir, run);
  }
}

for (const [engine, counts] of [...perEngine].sort()) {
  console.log(`engine ${engine}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && skipped === 0 && passed > 0 ? 0 : 1);

function countPackage(dir, run) {
  const name = run === "" ? relative(root, dir) : `${relative(root, dir)} (${run})`;
  const results = join(dir, ".test-results", run);
  const report = join(results, "vitest.json");
  if (!existsSync(report)) {
    console.error(`${name}: no test report (its tests did not run to the end)`);
    failed += 1;
    return;
  }
  const counts = countReport(JSON.parse(readFileSync(report, "utf8")), name);
  const unhandled = join(results, "unhandled-errors.json");
  if (existsSync(unhandled)) {
    const { count, errors } = JSON.parse(readFileSync(unhandled, "utf8"));
    for (const error of errors) console.error(`${name}: unhandled error outside any test: ${error}`);
    counts.failed += count;
  }
  console.error(`${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped;
}

/** The directories matched by pnpm-workspace.yaml's `packages/*`-style globs. */
function workspacePackages(workspaceRoot) {
  const manifest = readFileSync(join(workspaceRoot, "pnpm-workspace.yaml"), "utf8");
  const groups = [...manifest.matchAll(/^\s*-\s*["']?([\w.-]+)\/\*["']?\s*$/gm)].map((match) => match[1]);
  return groups.flatMap((group) => {
    const groupDir = join(workspaceRoot, group);
    if (!existsSync(groupDir)) return [];
    return readdirSync(groupDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(groupDir, entry.name, "package.json")))
      .map((entry) => join(groupDir, entry.name));
  });
}

function hasTests(dir) {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { withFileTypes: true, recursive: true }).some((entry) => entry.isFile() && entry.name.endsWith(".test.ts"));
}

function countReport(result, name) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const file of result.testResults ?? []) {
    const where = relative(root, file.name);
    const engine = engineOf(where);
    let failedHere = 0;
    for (const test of file.assertionResults ?? []) {
      const outcome = test.status === "passed" ? "passed" : test.status === "failed" ? "failed" : "skipped";
      if (engine) tally(engine, outcome);
      if (test.status === "passed") counts.passed += 1;
      else if (test.status === "failed") {
        counts.failed += 1;
        failedHere += 1;
      } else {
        counts.skipped += 1;
        console.error(`${name}: ${test.status} test: ${where} > ${test.fullName}`);
      }
    }
    if (file.status === "failed" && failedHere === 0) {
      counts.failed += 1;
      console.error(`${name}: ${where} failed outside its tests: ${(file.message ?? "").split("\n")[0]}`);
    }
  }
  return counts;
}

/** Which engine a test file exercises, for the per-engine lines; undefined for tests of no engine. */
function engineOf(where) {
  if (/podman/i.test(where)) return /rootless/i.test(where) ? "podman (rootless)" : "podman (rootful)";
  if (/runsc|gvisor/i.test(where)) return "docker (runsc)";
  if (/^packages\/backend-docker\/.*(conformance|lifecycle)/.test(where)) return "docker (runc)";
  return undefined;
}

function tally(engine, outcome) {
  const counts = perEngine.get(engine) ?? { passed: 0, failed: 0, skipped: 0 };
  counts[outcome] += 1;
  perEngine.set(engine, counts);
}
