import { defineConfig } from "vitest/config";

// One JSON report is always written so .ci/run can print the closing "N passed, N failed" line; the skip
// summary ends the run with one line naming what the machine lacked (test/helpers/system-deps.ts).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/chaos/**", "node_modules/**", "dist/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: [
      "default",
      ["json", { outputFile: "test-results/vitest.json" }],
      "./test/helpers/skip-summary.ts",
    ],
  },
});
