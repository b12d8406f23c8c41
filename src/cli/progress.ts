/**
 * How `upload` and `download` show their transfers: with `--json` the transfer events themselves (NDJSON on
 * stderr); on a terminal one live line, fitted to the terminal's width, with a total bar and the files in
 * flight; without a terminal one line per file done and, with `-v` or `--stats DURATION`, a progress line at
 * that interval (as rclone's `--stats`), so a cron log shows a long transfer is alive.
 */
import { SpeedMeter, type TransferEvent } from "../transfer/progress.js";
import { formatBytes, type Output } from "./output.js";

/**
 * Formats seconds as `h:mm:ss` or `m:ss`.
 *
 * @example
 * formatDuration(75); // "1:15"
 */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "--:--";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** Renders transfer events: NDJSON on stderr with --json, one live line on a terminal, else plain lines. */
export interface ProgressView {
  onProgress(e: TransferEvent): void;
  /** Adds to the expected total (for the total bar). */
  expect(bytes: number, files: number): void;
  /** Ends the live line. */
  end(): void;
  /** Bytes moved and seconds elapsed, for the summary. */
  stats(): { bytes: number; seconds: number };
}

/** Options of {@link createProgressView}. */
export interface ProgressViewOptions {
  /** Interval of the progress lines written without a terminal (0: none). */
  statsMs?: number;
  /** How a file is named in the lines (upload: its path relative to what was named). */
  label?: (file: string) => string;
  /** The clock (tests). */
  now?: () => number;
}

/** Redraws of the live line are at least this far apart. */
const REDRAW_MS = 200;

function bar(fraction: number, width = 20): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${"-".repeat(width - full)}]`;
}

const percent = (done: number, size: number): number => Math.floor((size > 0 ? done / size : 1) * 100);

/** The running totals of a transfer batch. */
class Totals {
  readonly files = new Map<string, { bytes: number; size: number }>();
  readonly speed = new SpeedMeter();
  expectedBytes = 0;
  expectedFiles = 0;
  doneFiles = 0;
  doneBytes = 0;
  moved = 0;

  /** Bytes of finished files and of the files in flight. */
  done(): number {
    let n = this.doneBytes;
    for (const f of this.files.values()) n += f.bytes;
    return n;
  }

  /** `[####----] 45% 2/5 files 1.2 GiB/2.7 GiB 12.3 MiB/s ETA 2:03` */
  line(now: number): string {
    const done = this.done();
    const speed = this.speed.bytesPerSecond(now);
    const eta = speed > 0 ? (this.expectedBytes - done) / speed : null;
    const frac = this.expectedBytes > 0 ? done / this.expectedBytes : 0;
    return (
      `${bar(frac)} ${Math.floor(frac * 100)}% ${this.doneFiles}/${this.expectedFiles} files ` +
      `${formatBytes(done)}/${formatBytes(this.expectedBytes)} ${formatBytes(Math.round(speed))}/s ` +
      `ETA ${formatDuration(eta)}`
    );
  }

  /** Updates the totals from one event. */
  apply(e: TransferEvent, now: number): void {
    if (e.type === "start") {
      if (e.direction === "download") {
        this.expectedBytes += e.size;
        this.expectedFiles += 1;
      }
      this.files.set(e.file, { bytes: e.resumedBytes, size: e.size });
    } else if (e.type === "progress") {
      const f = this.files.get(e.file);
      if (!f) return;
      const delta = e.bytes - f.bytes;
      if (delta > 0) {
        this.speed.add(delta, now);
        this.moved += delta;
      }
      f.bytes = e.bytes;
    } else if (e.type === "done") {
      this.files.delete(e.file);
      this.doneFiles++;
      this.doneBytes += e.size;
    } else if (e.type === "error") {
      this.files.delete(e.file);
    }
  }
}

/**
 * The live line: the total, then as many files in flight as the terminal's width leaves room for.
 *
 * @example
 * liveLine(totals, now, 80, (f) => f);
 */
function liveLine(t: Totals, now: number, columns: number | undefined, label: (f: string) => string): string {
  let line = t.line(now);
  for (const [file, f] of [...t.files.entries()].slice(0, 3)) {
    const part = `  ${label(file).replace(/^.*[/\\]/, "")} ${bar(f.size ? f.bytes / f.size : 1, 10)} ${percent(f.bytes, f.size)}%`;
    // A terminal of unknown width (0: a pty nobody sized) gets every part.
    if (columns && Array.from(line + part).length >= columns) break;
    line += part;
  }
  return line;
}

/** The human line for an event without a terminal, or undefined for none. */
function plainLine(e: TransferEvent, label: (f: string) => string): string | undefined {
  if (e.type === "start" && e.resumedBytes > 0) {
    return `fichier: resuming ${label(e.file)} at ${formatBytes(e.resumedBytes)}`;
  }
  if (e.type === "done") {
    const how = e.skipped === "journal" ? " (already uploaded)" : e.skipped === "exists" ? " (exists)" : "";
    // A download is named by where it landed (`out/b/c/4.txt`), not by its remote name alone: files of one
    // name in several folders must be told apart, as uploads are by their relative paths.
    const shown = e.direction === "download" && e.path ? e.path : e.file;
    return `fichier: ${e.direction === "upload" ? "uploaded" : "downloaded"} ${label(shown)}${how}`;
  }
  return undefined;
}

/**
 * Builds the progress view for a command run.
 *
 * @example
 * const view = createProgressView(ctx.out, { statsMs: ctx.globals().statsMs });
 * await uploadTree(client, { ..., onProgress: view.onProgress });
 */
export function createProgressView(out: Output, opts: ProgressViewOptions = {}): ProgressView {
  const now = opts.now ?? Date.now;
  const label = opts.label ?? ((f: string) => f);
  const started = now();
  const totals = new Totals();
  let lastDraw = 0;
  let lastStats = started;
  const human = (e: TransferEvent, t: number): void => {
    if (e.type === "retry") out.verbose(`fichier: ${label(e.file)}: retrying (${e.reason})`);
    if (out.isTTY) {
      if (e.type === "start" && e.resumedBytes > 0) out.info(plainLine(e, label) ?? "");
      if (e.type !== "done" && t - lastDraw < REDRAW_MS) return;
      lastDraw = t;
      out.progress(liveLine(totals, t, out.columns, label));
      return;
    }
    const line = plainLine(e, label);
    if (line) out.info(line);
    if (opts.statsMs && t - lastStats >= opts.statsMs) {
      lastStats = t;
      out.info(`fichier: ${totals.line(t)}`);
    }
  };
  return {
    expect(bytes, n) {
      totals.expectedBytes += bytes;
      totals.expectedFiles += n;
    },
    onProgress(e) {
      const t = now();
      totals.apply(e, t);
      // --json: the event itself is the stderr line (hidden by -q, as progress is). A failed file's event
      // names its `item`, as every failed item's event does.
      if (out.json) out.event(e.type === "error" ? { ...e, item: e.file } : { ...e }, undefined);
      else human(e, t);
    },
    end() {
      if (!out.json && out.isTTY) out.endProgress();
    },
    stats() {
      return { bytes: totals.moved, seconds: (now() - started) / 1000 };
    },
  };
}
