// The peak resident memory of a spawned command, measured inside it: peak-rss.mjs is preloaded with
// NODE_OPTIONS=--import and writes getrusage's ru_maxrss when the process exits. Nothing else changes in the
// process (no flag, no --debug), so the figure is the command's own.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const PRELOAD = resolve(import.meta.dirname, "peak-rss.mjs");

/**
 * The environment that makes a spawned `node` report its peak memory, and the reader of that report.
 * @example
 * const rss = peakRss();
 * await run(["about"], { env: { ...rss.env } });
 * expect(rss.mib()).toBeLessThan(200);
 */
export function peakRss(): { env: Record<string, string>; mib(): number } {
  const out = join(mkdtempSync(join(tmpdir(), "fichier-rss-")), "peak");
  return {
    env: { NODE_OPTIONS: `--import=${PRELOAD}`, FICHIER_TEST_PEAK_RSS: out },
    mib() {
      // No file: the process died before its exit handlers ran (killed, or a hang cut by the test's timer).
      const kib = Number(readFileSync(out, "utf8"));
      return kib / 1024;
    },
  };
}
