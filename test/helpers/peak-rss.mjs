// Preloaded into a spawned command (`NODE_OPTIONS=--import=<this file>`) by test/helpers/peak-rss.ts: when the
// process exits, it writes its peak resident memory (getrusage's ru_maxrss, kilobytes: the same figure as
// VmHWM in /proc/<pid>/status) to the file FICHIER_TEST_PEAK_RSS names. It changes nothing else: no flag, no
// --debug, no hook but `exit`.
import { writeFileSync } from "node:fs";

const out = process.env.FICHIER_TEST_PEAK_RSS;
if (out) {
  process.on("exit", () => {
    writeFileSync(out, String(process.resourceUsage().maxRSS));
  });
}
