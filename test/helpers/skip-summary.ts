// A vitest reporter (vitest.config.ts) that ends the run with one line when tests were skipped because the
// machine lacks something (a Debian package, the Secret Service, root): which, how many tests, and the command
// that installs it. The reasons come from the tests themselves (test/helpers/system-deps.ts tags their titles
// or skip notes), so the line says what was really skipped, not what might have been.
import type { Reporter, TestModule } from "vitest/node";
import { installHint, SKIP_TAG } from "./system-deps.js";

/**
 * The skipped tests of a run, counted by missing need.
 * @example
 * skippedByNeed(testModules); // Map { "chromium" => 2, "litmus" => 1 }
 */
export function skippedByNeed(modules: ReadonlyArray<TestModule>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const module of modules) {
    for (const test of module.children.allTests("skipped")) {
      const result = test.result();
      const note = result.state === "skipped" ? (result.note ?? "") : "";
      const need = SKIP_TAG.exec(note)?.[1] ?? SKIP_TAG.exec(test.fullName)?.[1];
      if (need) counts.set(need, (counts.get(need) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * The closing line: "skipped 3 tests: chromium (2), litmus (1) missing; install with: ...", or nothing.
 * @example
 * summaryLine(new Map([["litmus", 1]]));
 */
export function summaryLine(counts: ReadonlyMap<string, number>): string | undefined {
  if (counts.size === 0) return undefined;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const needs = [...counts.keys()].sort();
  const list = needs.map((n) => `${n} (${counts.get(n)})`).join(", ");
  return `skipped ${total} test${total === 1 ? "" : "s"}: ${list} missing; to run them: ${installHint(needs)}`;
}

/** The reporter: prints the line after vitest's own summary. */
export default class SkipSummary implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const line = summaryLine(skippedByNeed(modules));
    if (line) process.stdout.write(`\n${line}\n`);
  }
}
