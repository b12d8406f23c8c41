// The order test files start in. vitest starts the longest first when it remembers the last run's durations
// (node_modules/.vite/vitest), but a fresh clone has none, and vitest then starts the largest files first: a
// short file of long waits (a bandwidth cap, the real limits' 30 s listing spacing) could start late and end the
// run alone. The files below took 20 s or more in a run on 2026-12-06, longest first; they start first, in this
// order, before vitest's own order for the rest. Measured on a fresh clone with it (2 cores, 6 workers): the
// workers ended within 15 s of each other.
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Test files known to take 20 s or more, longest first (paths below test/). */
export const SLOW_FIRST: readonly string[] = [
  "cli/basics.test.ts",
  "cli/files.test.ts",
  "cli/transfer.test.ts",
  "hardening/hostile-server.test.ts",
  "hardening/bad-input.test.ts",
  "gateway/load.test.ts",
  "cli/index-fallback.test.ts",
  "gateway/rclone.test.ts",
  "cli/index.test.ts",
  "cli/output.test.ts",
  "keys/cli.test.ts",
  "integration/transfer/download-localfs.test.ts",
  "integration/client/waits-cli.test.ts",
  "integration/transfer/download.test.ts",
  "serve/connections.test.ts",
  "cli/sync.test.ts",
];

function rank(spec: TestSpecification): number {
  const path = spec.moduleId.replaceAll("\\", "/");
  const at = SLOW_FIRST.findIndex((p) => path.endsWith(`/test/${p}`));
  return at < 0 ? SLOW_FIRST.length : at;
}

/**
 * vitest's order, with the known-slow files moved to the front of their project.
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { sequence: { sequencer: SlowFirstSequencer } } });
 */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const position = new Map(sorted.map((spec, i) => [spec, i]));
    return [...sorted].sort((a, b) => {
      // Projects keep the order vitest gives them; within one, slow files first, then vitest's order.
      if (a.project.name !== b.project.name) return (position.get(a) ?? 0) - (position.get(b) ?? 0);
      return rank(a) - rank(b) || (position.get(a) ?? 0) - (position.get(b) ?? 0);
    });
  }
}
