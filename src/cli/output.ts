/**
 * Where the command writes: results on stdout (JSON with `--json`), messages and progress on stderr, every byte
 * through the redactor so no key, password or token URL leaves the process, and every human line through
 * `escapeControls` so no remote name can drive the terminal (`--json` stays exact).
 *
 * With `--json`, stderr is NDJSON too: every line is one JSON object with a `type` (`info`, `warning`,
 * `progress`, `verbose`, `debug`, the client's `wait`/`retry`/`flood`/`cache`, the transfer events, and the
 * closing `error` written by main.ts), so `2>&1 | jq` and line-by-line readers never meet plain text.
 */

import { escapeControls, escapeLines } from "./escape.js";

/** Minimal writable used by {@link Output}; `process.stdout` and test buffers both fit. */
export interface Sink {
  write(chunk: string): unknown;
  isTTY?: boolean;
  /** Width of the terminal, when the sink is one (the progress line fits it). */
  columns?: number;
}

/** Options of {@link createOutput}. */
export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  debug: boolean;
  color: boolean;
  stdout: Sink;
  stderr: Sink;
  redact: (text: string) => string;
}

/** One NDJSON line on stderr under `--json`: a `type` and any fields (strings are redacted one by one). */
export type StderrEvent = { type: string } & Record<string, unknown>;

/** The command's writer, given to every command as `ctx.out`. */
export interface Output {
  /** True with `--json`: `result` prints JSON and human messages stay on stderr. */
  readonly json: boolean;
  /** Whether stderr is a terminal (progress bars and colours only then). */
  readonly isTTY: boolean;
  /** The terminal's width when stderr is one (read at each call: the window may be resized). */
  readonly columns: number | undefined;
  /**
   * Writes the command's result on stdout: `json` with `--json`, else `human` (a newline is added).
   * `reveal` lists values the user asked for that the redactor would otherwise mask (the token URL of
   * `fichier link`); registered secrets stay masked.
   */
  result(human: string, json: unknown, opts?: { reveal?: string[] }): void;
  /** A message on stderr, hidden by `-q`; `{"type":"info","message"}` with `--json`. */
  info(msg: string): void;
  /** A warning on stderr, always shown; `{"type":"warning","message"}` with `--json`. */
  warn(msg: string): void;
  /**
   * One item of a batch failed (a file of an upload, a target of `rm`): with `--json`, an `error` event with
   * the `item` (once per item: a transfer's own `error` event counts); else a `fichier: warning:` line.
   */
  failed(item: string, message: string, code?: number): void;
  /**
   * A structured notice: with `--json`, `event` as one JSON line; else the `human` line (none when undefined).
   * `level` says who sees it: `info` (hidden by `-q`), `warn` (always), `verbose` (`-v`/`--debug` only).
   */
  event(event: StderrEvent, human: string | undefined, level?: "info" | "warn" | "verbose"): void;
  /** A progress line on stderr, hidden by `-q`; rewritten in place on a terminal. */
  progress(msg: string): void;
  /** A detail on stderr, only with `-v` or `--debug`. */
  verbose(msg: string): void;
  /** An HTTP trace line on stderr, only with `--debug`. */
  debug(msg: string): void;
  /** Colours `text` when colours are on (`NO_COLOR`/`--no-color` turn them off). */
  style(kind: "bold" | "dim" | "red" | "green" | "yellow", text: string): string;
  /** Ends an in-place progress line, if any. */
  endProgress(): void;
}

const ANSI: Record<string, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
};

/**
 * Builds the writer for one run.
 *
 * @example
 * const out = createOutput({ json: false, quiet: false, verbose: false, debug: false, color: false,
 *   stdout: process.stdout, stderr: process.stderr, redact: (s) => s });
 * out.result("done", { ok: true });
 */
export function createOutput(o: OutputOptions): Output {
  const errTTY = o.stderr.isTTY === true;
  let progressOpen = false;
  const err = (line: string): void => {
    if (progressOpen) {
      o.stderr.write("\r\x1b[K");
      progressOpen = false;
    }
    o.stderr.write(`${o.redact(escapeControls(line))}\n`);
  };
  // Items already reported by an `error` event (a transfer's own, or `failed`): one report per failed item.
  const reported = new Set<string>();
  const jsonLine = (ev: StderrEvent): void => {
    if (ev.type === "error" && typeof ev.item === "string") reported.add(ev.item);
    o.stderr.write(stderrJson(ev, o.redact));
  };
  const message = (type: string, msg: string): StderrEvent => ({ type, message: stripPrefix(msg) });
  return {
    json: o.json,
    isTTY: errTTY,
    get columns() {
      return errTTY ? o.stderr.columns : undefined;
    },
    result(human, json, opts) {
      const text = o.json ? `${JSON.stringify(json)}\n` : human === "" ? "" : withNewline(human);
      if (text === "") return;
      const shown = o.json ? text : escapeLines(text, { keepColors: true });
      o.stdout.write(redactExcept(shown, opts?.reveal ?? [], o.redact));
    },
    info(msg) {
      if (o.quiet) return;
      if (o.json) jsonLine(message("info", msg));
      else err(msg);
    },
    warn(msg) {
      if (o.json) jsonLine(message("warning", msg));
      else err(msg.startsWith("fichier: ") ? msg : `fichier: warning: ${msg}`);
    },
    failed(item, msg, code) {
      if (!o.json) err(`fichier: warning: ${item}: ${msg}`);
      else if (!reported.has(item)) {
        jsonLine({ type: "error", item, message: msg, ...(code !== undefined ? { code } : {}) });
      }
    },
    event(ev, human, level = "info") {
      if (level === "info" && o.quiet) return;
      if (level === "verbose" && !(o.verbose || o.debug)) return;
      if (o.json) jsonLine(ev);
      else if (human !== undefined) err(human);
    },
    progress(msg) {
      if (o.quiet) return;
      if (o.json) jsonLine(message("progress", msg));
      else if (errTTY) {
        o.stderr.write(`\r\x1b[K${o.redact(fitWidth(escapeControls(msg), o.stderr.columns))}`);
        progressOpen = true;
      } else {
        err(msg);
      }
    },
    verbose(msg) {
      if (!(o.verbose || o.debug)) return;
      if (o.json) jsonLine(message("verbose", msg));
      else err(msg);
    },
    debug(msg) {
      if (!o.debug) return;
      if (o.json) jsonLine({ type: "debug", message: msg });
      else err(msg);
    },
    style(kind, text) {
      const c = ANSI[kind];
      if (!o.color || !c) return text;
      return `\x1b[${c[0]}m${text}\x1b[${c[1]}m`;
    },
    endProgress() {
      if (progressOpen) {
        o.stderr.write("\n");
        progressOpen = false;
      }
    },
  };
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

/**
 * `line` cut to fit a terminal `columns` wide (one column spare, so the cursor never wraps); unchanged when the
 * width is unknown.
 *
 * @example
 * fitWidth("abcdef", 4); // "abc"
 */
export function fitWidth(line: string, columns: number | undefined): string {
  if (!columns || columns < 2) return line;
  const chars = Array.from(line);
  return chars.length < columns ? line : chars.slice(0, columns - 1).join("");
}

/** "fichier: warning: x" and "fichier: x" -> "x": under --json the `type` says what the prefix said. */
function stripPrefix(msg: string): string {
  return msg.replace(/^fichier: (warning: )?/, "");
}

/**
 * One NDJSON line for a stderr event. Each string is redacted before serialising (so a mask can never break
 * the JSON, and `JSON.stringify` escapes any newline a message carries: one event, one line), then the whole
 * line too, for the shapes that span a key and its value (`"pass":"..."`). Should that ever break the JSON,
 * the line says only that it was withheld.
 *
 * @example
 * stderrJson({ type: "warning", message: "x" }, (s) => s); // '{"type":"warning","message":"x"}\n'
 */
export function stderrJson(ev: StderrEvent, redact: (text: string) => string): string {
  const line = redact(JSON.stringify(ev, (_k, v: unknown) => (typeof v === "string" ? redact(v) : v)));
  try {
    JSON.parse(line);
    return `${line}\n`;
  } catch {
    return `${JSON.stringify({ type: String(ev.type), message: "(withheld: it carried a secret)" })}\n`;
  }
}

/**
 * Redacts `text` but leaves the `reveal` values as they are (a token URL the user asked for).
 *
 * @example
 * redactExcept("link: http://h/dl/tok", ["http://h/dl/tok"], redact); // "link: http://h/dl/tok"
 */
export function redactExcept(text: string, reveal: string[], redact: (s: string) => string): string {
  const kept = reveal.filter((v) => v !== "");
  if (kept.length === 0) return redact(text);
  let masked = text;
  kept.forEach((v, i) => {
    masked = masked.split(v).join(`\uE000${i}\uE001`);
  });
  // Private-use characters as placeholders: the redactor never matches them.
  return redact(masked).replace(/\uE000(\d+)\uE001/g, (_m, i: string) => kept[Number(i)] ?? "");
}

/**
 * Whether to use colours: never with `NO_COLOR` (any non-empty value) or `--no-color`, never when stderr is not a
 * terminal, and `FORCE_COLOR` forces them.
 *
 * @example
 * useColor({ flag: true, env: { NO_COLOR: "1" }, isTTY: true }); // false
 */
export function useColor(o: { flag: boolean; env: NodeJS.ProcessEnv; isTTY: boolean }): boolean {
  if (!o.flag) return false;
  if (o.env.NO_COLOR !== undefined && o.env.NO_COLOR !== "") return false;
  if (o.env.FORCE_COLOR !== undefined && o.env.FORCE_COLOR !== "0") return true;
  return o.isTTY;
}

/**
 * A count and its noun, singular or plural: "1 file", "2 files", "0 files".
 *
 * @example
 * plural(1, "file"); // "1 file"
 * plural(3, "folder"); // "3 folders"
 */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Human size: 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const s = i === 0 ? String(v) : v >= 100 ? v.toFixed(0) : v.toFixed(1);
  return `${n < 0 ? "-" : ""}${s} ${units[i]}`;
}

/**
 * Lays rows out in aligned columns (left-aligned, two spaces apart; the last column is not padded), each cell
 * with its control characters escaped.
 *
 * @example
 * table([["a", "1"], ["bbb", "22"]]); // "a    1\nbbb  22"
 */
export function table(rows: string[][], align?: ("left" | "right")[]): string {
  // Cells hold names and server texts: escaped here, so a line break in a name cannot break the table.
  const cells = rows.map((r) => r.map(escapeControls));
  const widths: number[] = [];
  for (const r of cells) {
    for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  }
  return cells
    .map((r) =>
      r
        .map((c, i) => {
          if (i === r.length - 1 && align?.[i] !== "right") return c;
          const w = widths[i] ?? 0;
          return align?.[i] === "right" ? c.padStart(w) : c.padEnd(w);
        })
        .join("  "),
    )
    .join("\n");
}
