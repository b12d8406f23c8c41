import { defineConfig } from "vitest/config";
import { SlowFirstSequencer } from "./test/helpers/sequencer.js";

// Test files share their worker processes (isolate: false): each worker imports vitest, the emulator and the
// client once instead of once per file (129 files, 3 workers: imports 107 s -> 17 s, the run 573 s -> 452 s).
// A file that changes process-wide state it cannot restore runs in a process of its own (project "isolated");
// the others restore what they change (proxy-trace's proxy variables) or change nothing process-wide.
const ISOLATED = [
  // Points D-Bus at nowhere before the first keychain call: libdbus keeps its first connection.
  "test/keys/keychain-unavailable.test.ts",
];
const EXCLUDE = ["test/chaos/**", "node_modules/**", "dist/**"];

// One JSON report is always written so .ci/run can print the closing "N passed, N failed" line; the skip
// summary ends the run with one line naming what the machine lacked (test/helpers/system-deps.ts).
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most tests wait on loopback I/O, spawned commands and bandwidth caps, not on the CPU: more workers
    // than the 2 cores keep both busy (129 files with 3 workers: 452 s; 146 files with 4: 375 s; 148 files on
    // the bundled command with 4: 240 s, 83 % of 2 cores used; with 6: 204-248 s, as busy as the shared cores
    // let the same work be, 377-457 CPU-s; default: 1).
    maxWorkers: 6,
    // Known-slow files start first even on a fresh clone, which has no durations of an earlier run.
    sequence: { sequencer: SlowFirstSequencer },
    reporters: [
      "default",
      ["json", { outputFile: "test-results/vitest.json" }],
      "./test/helpers/skip-summary.ts",
    ],
    projects: [
      {
        extends: true,
        test: {
          name: "shared",
          include: ["test/**/*.test.ts"],
          exclude: [...EXCLUDE, ...ISOLATED],
          isolate: false,
        },
      },
      { extends: true, test: { name: "isolated", include: ISOLATED, exclude: EXCLUDE, isolate: true } },
    ],
  },
});
