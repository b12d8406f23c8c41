// The service's dates: 1fichier writes `YYYY-MM-DD HH:MM:SS` in Europe/Paris time with daylight saving
// (spec §1.15, DECISIONS "Identity and formats"). The one conversion both ways, for every layer: the command
// line shows them in local time, the key status counts days with them, the remote index stamps its own changes.

/** The service's time zone (spec §1.15). */
const SERVICE_ZONE = "Europe/Paris";

const PARIS = new Intl.DateTimeFormat("en-US", {
  timeZone: SERVICE_ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** The wall-clock parts of an instant in Paris. */
function parisParts(ms: number): Record<string, string> {
  return Object.fromEntries(PARIS.formatToParts(ms).map((p) => [p.type, p.value]));
}

/** The Paris wall clock at the instant `ms`, read as if it were UTC (whole seconds). */
function parisWallMs(ms: number): number {
  const p = parisParts(ms);
  return Date.UTC(
    +(p.year ?? 0),
    +(p.month ?? 1) - 1,
    +(p.day ?? 1),
    +(p.hour ?? 0),
    +(p.minute ?? 0),
    +(p.second ?? 0),
  );
}

/**
 * A moment (ms since the epoch) as 1fichier writes dates: Paris time, with daylight saving.
 *
 * @example
 * ```ts
 * parisDate(Date.UTC(2026, 0, 5, 9)); // "2026-01-05 10:00:00"
 * parisDate(Date.UTC(2026, 6, 5, 9)); // "2026-07-05 11:00:00"
 * ```
 */
export function parisDate(ms: number): string {
  const p = parisParts(ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/**
 * The instant of a 1fichier date (`2026-12-06 14:03:00`, or a day alone, `2026-12-06`: Paris time), or of an
 * ISO date with its zone; undefined for anything else (an empty date, a date the service left out).
 *
 * @example
 * ```ts
 * serviceDateMs("2026-01-15 12:00:00"); // Date.UTC(2026, 0, 15, 11, 0, 0): Paris is UTC+1 in winter
 * serviceDateMs("2026-07-15 12:00:00"); // Date.UTC(2026, 6, 15, 10, 0, 0): UTC+2 in summer
 * serviceDateMs("2026-10-25 02:30:00"); // the hour that repeats when clocks go back: its first pass (CEST)
 * serviceDateMs("2026-01-15T12:00:00Z"); // Date.UTC(2026, 0, 15, 12)
 * serviceDateMs(""); // undefined
 * ```
 */
export function serviceDateMs(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?)?$/.exec(text.trim());
  if (!m) {
    const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? Date.parse(text) : Number.NaN;
    return Number.isNaN(iso) ? undefined : iso;
  }
  const n = (i: number): number => Number(m[i] ?? 0);
  const wall = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6));
  if (Number.isNaN(wall)) return undefined;
  // Paris is UTC+1 or UTC+2: start from +2 (so the hour that repeats when clocks go back reads as its first
  // pass) and correct by what the Paris clock says of the guess (twice covers a change of offset in between).
  let t = wall - 7_200_000;
  for (let i = 0; i < 2; i++) t += wall - parisWallMs(t);
  return t;
}
