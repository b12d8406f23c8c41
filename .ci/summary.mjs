// Reads vitest's JSON reports and prints the closing line CI recognises: "N passed, N failed".
// A report that is missing counts as a failure: its run did not finish.
import { readFileSync } from "node:fs";

const files = process.argv.slice(2);
if (files.length === 0) files.push("test-results/vitest.json");
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  try {
    const report = JSON.parse(readFileSync(file, "utf8"));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    // A file that failed to load has no failed test of its own: count it, or a broken file would go unseen.
    for (const suite of report.testResults ?? []) {
      const failedTests = (suite.assertionResults ?? []).filter((t) => t.status === "failed").length;
      if (suite.status === "failed" && failedTests === 0) failed += 1;
    }
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  } catch {
    console.error(`no test report at ${file}: that test run did not finish`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
