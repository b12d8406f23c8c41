import { defineConfig } from "vitest/config";

// Chaos and crash suites (`npm run test:chaos`, `npm run soak`): long, fault-injected, run apart from `npm test`.
export default defineConfig({
  test: {
    include: ["test/chaos/**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
    pool: "forks",
    // One file at a time: each one loads both cores with transfers.
    fileParallelism: false,
    reporters: ["default", ["json", { outputFile: "test-results/vitest-chaos.json" }]],
  },
});
