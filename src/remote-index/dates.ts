// 1fichier dates are `YYYY-MM-DD HH:MM:SS` in Paris time (spec §1.15) and the service compares them as
// strings (`sent_after`, spec §7.5). Arithmetic here stays in that string space: one second earlier is the
// string one second earlier, whatever the time zone, which is what the service compares.

const PARIS = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Paris",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/**
 * A moment (ms since the epoch) as 1fichier writes dates: Paris time, with daylight saving.
 *
 * @example
 * ```ts
 * parisDate(Date.UTC(2026, 0, 5, 9)); // "2026-01-05 10:00:00"
 * ```
 */
export function parisDate(ms: number): string {
  const p = Object.fromEntries(PARIS.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

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
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s) + seconds * 1000);
  return t.toISOString().slice(0, 19).replace("T", " ");
}
