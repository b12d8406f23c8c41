// Quoting for the commands fichier suggests in hints and writes into scripts: a path with a space typed back as
// shown must reach the program as one argument (POSIX shell rules; single quotes keep everything literal).

/**
 * `s` in single quotes, any single quote in it closed, escaped and reopened.
 *
 * @example
 * ```ts
 * shellQuote("it's"); // "'it'\\''s'"
 * ```
 */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * `s` as one shell argument: as is when it holds only characters no shell treats specially, else quoted.
 *
 * @example
 * ```ts
 * shellArg("/backups/2026"); // "/backups/2026"
 * shellArg("/a/ mid"); // "'/a/ mid'"
 * ```
 */
export function shellArg(s: string): string {
  return /^[\w./:@%+=,-]+$/.test(s) ? s : shellQuote(s);
}
