/** Emulator clock: an injectable `now()` plus an admin offset, used by every limit and expiry. */
export interface Clock {
  now(): number;
  advance(ms: number): void;
}

/**
 * Creates the emulator clock.
 * @example
 * const clock = createClock(() => 0); clock.advance(1000); clock.now(); // 1000
 */
export function createClock(base: () => number = Date.now): Clock {
  let offset = 0;
  return {
    now: () => base() + offset,
    advance: (ms: number) => {
      offset += ms;
    },
  };
}

const parisFormat = new Intl.DateTimeFormat("en-GB", {
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
 * Formats an instant as 1fichier does: `YYYY-MM-DD HH:MM:SS` in Europe/Paris time with DST (spec §1.15).
 * @example
 * parisDate(Date.UTC(2021, 5, 22, 12, 57, 25)); // "2021-06-22 14:57:25"
 */
export function parisDate(ms: number): string {
  const parts: Record<string, string> = {};
  for (const p of parisFormat.formatToParts(new Date(ms))) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/**
 * True when `s` has the `YYYY-MM-DD HH:MM:SS` shape used by the API's date fields.
 * @example
 * isApiDate("2021-06-22 14:57:25"); // true
 */
export function isApiDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(s);
}
