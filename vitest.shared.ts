import { defineConfig } from "vitest/config";
import { UnhandledErrorsReporter } from "./vitest.unhandled-errors-reporter.js";

/**
 * The vitest settings every package shares. Each package's vitest.config.ts
 * re-exports this so `pnpm turbo test` runs them the same way.
 */
export default defineConfig({
  test: {
    // Only sources: vitest 4 would otherwise also pick up compiled tests in dist/.
    include: ["src/**/*.test.ts"],
    // Real engines and servers: a container start or a 100 MB round trip takes seconds.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // scripts/count-test-results.mjs sums these files into "N passed, N failed".
    reporters: ["default", "json", new UnhandledErrorsReporter()],
    outputFile: { json: ".test-results/vitest.json" },
  },
});
