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
  const wall = wallClockMs(date);
  if (wall === undefined) return undefined;
  return new Date(wall + seconds * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * The moment (ms since the epoch) a 1fichier date names, Paris time with daylight saving: the inverse of
 * {@link parisDate}. Undefined for a malformed date. (In the hour that repeats when clocks go back, the first.)
 *
 * @example
 * ```ts
 * parisDateMs("2026-01-05 10:00:00"); // Date.UTC(2026, 0, 5, 9)
 * ```
 */
export function parisDateMs(date: string): number | undefined {
  const wall = wallClockMs(date);
  if (wall === undefined) return undefined;
  // Paris is UTC+1 or UTC+2: start from +2 (so the repeated autumn hour reads as its first pass) and correct
  // by what parisDate says of the guess (twice covers a change of offset in between).
  let t = wall - 7_200_000;
  for (let i = 0; i < 2; i++) t += wall - (wallClockMs(parisDate(t)) ?? wall);
  return t;
}

/** A `YYYY-MM-DD HH:MM:SS` string read as if it were UTC. */
function wallClockMs(date: string): number | undefined {
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}
