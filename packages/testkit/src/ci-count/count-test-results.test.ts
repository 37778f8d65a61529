import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

// scripts/count-test-results.mjs turns the packages' vitest reports into CI's
// "N passed, N failed, N skipped" line. These tests run it on workspaces made
// here, so each way a run can look greener than it was is pinned down.
const script = fileURLToPath(new URL("../../../../scripts/count-test-results.mjs", import.meta.url));

type Status = "passed" | "failed" | "skipped" | "pending" | "todo";
interface FakeFile {
  /** The test file's name under src/ (default f<index>.test.ts). */
  file?: string;
  status: "passed" | "failed";
  tests: Status[];
  message?: string;
}

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function workspace(packages: Record<string, FakeFile[] | "no report" | "no tests">, run = ""): string {
  const root = mkdtempSync(join(tmpdir(), "count-results-"));
  roots.push(root);
  writeFileSync(join(root, "pnpm-workspace.yaml"), "packages:\n  - packages/*\n  - apps/*\n");
  for (const [name, files] of Object.entries(packages)) {
    const dir = join(root, name);
    mkdirSync(join(dir, "src"), { recursive: true });
    writeFileSync(join(dir, "package.json"), "{}");
    if (files === "no tests") continue;
    writeFileSync(join(dir, "src", "a.test.ts"), "");
    if (files === "no report") continue;
    mkdirSync(join(dir, ".test-results", run), { recursive: true });
    const testResults = files.map((file, index) => ({
      name: join(dir, "src", file.file ?? `f${index}.test.ts`),
      status: file.status,
      message: file.message ?? "",
      assertionResults: file.tests.map((status, n) => ({ status, fullName: `test ${n}` })),
    }));
    writeFileSync(join(dir, ".test-results", run, "vitest.json"), JSON.stringify({ testResults }));
  }
  return root;
}

function count(root: string) {
  const run = spawnSync(process.execPath, [script, root], { encoding: "utf8" });
  const lines = run.stdout.trim().split("\n");
  return { line: lines.at(-1), engines: lines.slice(0, -1), exitCode: run.status, log: run.stderr };
}

describe("the CI count line", () => {
  it("sums every package and exits 0 when all tests passed (positive control)", () => {
    const root = workspace({ "packages/a": [{ status: "passed", tests: ["passed", "passed"] }], "apps/b": [{ status: "passed", tests: ["passed"] }] });
    expect(count(root)).toMatchObject({ line: "3 passed, 0 failed, 0 skipped", exitCode: 0 });
  });

  it("counts a failed test once, not again for the file and suite around it", () => {
    const root = workspace({ "packages/a": [{ status: "failed", tests: ["passed", "failed"] }] });
    expect(count(root)).toMatchObject({ line: "1 passed, 1 failed, 0 skipped", exitCode: 1 });
  });

  it("counts a test file that failed outside its tests (an import error) as a named failure", () => {
    const root = workspace({
      "packages/a": [
        { status: "failed", tests: [], message: "Cannot find module x" },
        { status: "passed", tests: ["passed"] },
      ],
    });
    const result = count(root);
    expect(result).toMatchObject({ line: "1 passed, 1 failed, 0 skipped", exitCode: 1 });
    expect(result.log).toContain("Cannot find module x");
  });

  it("counts skipped and todo tests, names them and fails the run", () => {
    const root = workspace({ "packages/a": [{ status: "passed", tests: ["passed", "skipped", "todo", "pending"] }] });
    const result = count(root);
    expect(result).toMatchObject({ line: "1 passed, 0 failed, 3 skipped", exitCode: 1 });
    expect(result.log).toMatch(/todo test: .*test 2/);
  });

  it("names a package with tests but no report as a failure", () => {
    const root = workspace({ "packages/a": [{ status: "passed", tests: ["passed"] }], "apps/crashed": "no report" });
    const result = count(root);
    expect(result).toMatchObject({ line: "1 passed, 1 failed, 0 skipped", exitCode: 1 });
    expect(result.log).toContain("apps/crashed: no test report");
  });

  it("ignores a package without tests, and a run with nothing passed is not green", () => {
    const root = workspace({ "packages/docs": "no tests" });
    expect(count(root)).toMatchObject({ line: "0 passed, 0 failed, 0 skipped", exitCode: 1 });
  });

  it("sums every run listed in .test-runs and names a package that has no report for one of them", () => {
    const root = workspace(
      { "packages/a": [{ status: "passed", tests: ["passed", "passed"] }], "apps/b": [{ status: "passed", tests: ["passed"] }] },
      "node20",
    );
    mkdirSync(join(root, "packages/a/.test-results/node24"));
    writeFileSync(
      join(root, "packages/a/.test-results/node24/vitest.json"),
      JSON.stringify({
        testResults: [{ name: join(root, "packages/a/src/f.test.ts"), status: "passed", assertionResults: [{ status: "passed", fullName: "t" }] }],
      }),
    );
    writeFileSync(join(root, ".test-runs"), "node20\nnode24\n");
    const result = count(root);
    expect(result).toMatchObject({ line: "4 passed, 1 failed, 0 skipped", exitCode: 1 });
    expect(result.log).toContain("apps/b (node24): no test report");
  });

  it("does not ask a run for the reports of the packages its line in .test-runs leaves out, and still asks for the others'", () => {
    const root = workspace({ "packages/a": [{ status: "passed", tests: ["passed"] }], "packages/e2e": [{ status: "passed", tests: ["passed"] }] }, "node20");
    writeFileSync(join(root, ".test-runs"), "node20\nnode24 -packages/e2e\n");
    const result = count(root);
    // packages/a has no node24 report: named; packages/e2e is left out of node24: not asked for.
    expect(result).toMatchObject({ line: "2 passed, 1 failed, 0 skipped", exitCode: 1 });
    expect(result.log).toContain("packages/a (node24): no test report");
    expect(result.log).not.toContain("packages/e2e (node24)");
  });

  it("prints a line per engine and runtime before the total, from the test files' names, rootless Podman on a line of its own", () => {
    const root = workspace({
      "packages/backend-docker": [
        { file: "docker-conformance-busybox.test.ts", status: "passed", tests: ["passed", "passed"] },
        { file: "docker-conformance-runsc.test.ts", status: "failed", tests: ["passed", "failed"] },
        { file: "podman-conformance.test.ts", status: "passed", tests: ["passed"] },
        { file: "podman-rootless-conformance.test.ts", status: "passed", tests: ["passed", "passed"] },
        { file: "podman-rootless-lifecycle.test.ts", status: "failed", tests: ["failed"] },
        { file: "volume-mounts.test.ts", status: "passed", tests: ["passed"] },
      ],
    });
    expect(count(root)).toMatchObject({
      engines: [
        "engine docker (runc): 2 passed, 0 failed, 0 skipped",
        "engine docker (runsc): 1 passed, 1 failed, 0 skipped",
        "engine podman (rootful): 1 passed, 0 failed, 0 skipped",
        // Rootless Podman is an engine of its own, by the file name.
        "engine podman (rootless): 2 passed, 1 failed, 0 skipped",
      ],
      line: "7 passed, 2 failed, 0 skipped",
      exitCode: 1,
    });
  });
});
