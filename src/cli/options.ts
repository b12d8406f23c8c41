/**
 * Parsers for option values (`--parallel 4`, `--max-wait 10m`): a bad value is a usage error (exit 2) naming
 * the option, what it takes, and an example.
 */
import { parseRate, RateSyntaxError } from "../transfer/bandwidth.js";
import { UsageError } from "./errors.js";

/**
 * Parser for `--parallel`, `--connections`, `--domain`: whole numbers in a range, else a usage error.
 *
 * @example
 * program.option("--parallel <n>", "files at once", parseIntOption("--parallel", 1, 8), 2);
 */
export function parseIntOption(name: string, min: number, max: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(
        `${name} must be a whole number from ${min} to ${max}, not "${v}"`,
        `e.g. ${name} ${min}`,
      );
    }
    return n;
  };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds of a duration as rclone writes them: `90s`, `10m`, `1h30m`, `500ms`, `2d`; a bare number is
 * seconds. Undefined when the text is not a duration.
 *
 * @example
 * durationMs("1h30m"); // 5_400_000
 * durationMs("45"); // 45_000
 * durationMs("soon"); // undefined
 */
export function durationMs(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
  }
  return Math.round(total);
}

/**
 * Parser for an option taking a duration (`--max-wait 10m`, `--stats 30s`), in milliseconds; `env` names the
 * variable that can give it too.
 *
 * @example
 * program.option("--stats <duration>", "progress line interval", parseDurationOption("--stats"));
 */
export function parseDurationOption(name: string, env?: string): (v: string) => number {
  return (v: string) => {
    const ms = durationMs(v);
    if (ms === undefined) {
      throw new UsageError(
        `${name}${env ? ` (or ${env})` : ""} takes a duration such as 90s, 10m or 1h, not "${v}"`,
        `e.g. ${name} 10m (units: ms, s, m, h, d; a bare number is seconds)`,
      );
    }
    return ms;
  };
}

/**
 * Parser for `--bwlimit RATE` (`upload`, `download`, `sync`): rclone's syntax for one rate, in bytes
 * per second with binary units (`512k`, `10M`, `off`; transfer/bandwidth.ts `parseRate`); `off` gives
 * undefined.
 *
 * @example
 * program.option("--bwlimit <rate>", "bandwidth limit", parseRateOption("--bwlimit"));
 */
export function parseRateOption(name: string): (v: string) => number | undefined {
  return (v: string) => {
    try {
      return parseRate(v);
    } catch (e) {
      if (e instanceof RateSyntaxError) throw new UsageError(`${name} ${e.message}`, e.hint);
      throw e;
    }
  };
}
