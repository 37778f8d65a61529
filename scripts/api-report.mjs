#!/usr/bin/env node
// The API reports of the published packages (<package>/etc/*.api.md), made by
// API Extractor from the built declarations (run `pnpm build` first).
//   node scripts/api-report.mjs          rewrites the reports (commit them)
//   node scripts/api-report.mjs --check  fails, naming the package and entry
//                                        point, when a report is out of date
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const check = process.argv.includes("--check");
const extractor = join(root, "node_modules", ".bin", "api-extractor");
const packages = ["packages/core", "packages/backend-host", "packages/backend-docker", "apps/cli", "apps/mom"];

let stale = 0;
for (const dir of packages.map((p) => join(root, p))) {
  mkdirSync(join(dir, "etc"), { recursive: true });
  for (const config of readdirSync(dir)
    .filter((f) => /^api-extractor(\.[\w-]+)?\.json$/.test(f))
    .sort()) {
    const args = ["run", "--config", config, ...(check ? [] : ["--local"])];
    const run = spawnSync(extractor, args, { cwd: dir, encoding: "utf8" });
    const where = `${relative(root, dir)} (${config})`;
    if (run.status !== 0) {
      stale += 1;
      const reason = /API signature changed|missing/.test(run.stdout + run.stderr)
        ? "the public API changed: run `pnpm build && node scripts/api-report.mjs` and commit the report"
        : (run.stdout + run.stderr)
            .split("\n")
            .filter((line) => /Error|Warning/.test(line))
            .join(" ")
            .slice(0, 600);
      console.error(`${where}: ${reason}`);
    } else if (!check) console.error(`${where}: report written`);
  }
}
if (!existsSync(extractor)) console.error("api-extractor is not installed: pnpm install");
process.exit(stale === 0 ? 0 : 1);
