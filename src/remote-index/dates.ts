// 1fichier dates are `YYYY-MM-DD HH:MM:SS` in Paris time (spec §1.15) and the service compares them as
// strings (`sent_after`, spec §7.5). Arithmetic here stays in that string space: one second earlier is the
// string one second earlier, whatever the time zone, which is what the service compares. (Moments to dates and
// back: parisDate and serviceDateMs in src/api/service-time.ts.)

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/**
 * The date `seconds` later (earlier when negative), in the same string form; undefined for a malformed date.
 *
 * @example
 * ```ts
 * shiftDate("2026-01-01 00:00:00", -1); // "2025-12-31 23:59:59"
 * ```
 */
export function shiftDate(date: string, seconds: number): string | undefined {
  const wall = wallClockMs(date);
  if (wall === undefined) return undefined;
  return new Date(wall + seconds * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/** A `YYYY-MM-DD HH:MM:SS` string read as if it were UTC. */
function wallClockMs(date: string): number | undefined {
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}
