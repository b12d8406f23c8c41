// The fetching part of one download, once it is planned and its working files claimed: the .part open, the
// hasher following the completed prefix, the journal kept up to date, the connections at work, and how the
// run stops (complete, interrupted, failed).
import { type FileHandle, open } from "node:fs/promises";
import { AbortedError, NetworkError } from "../api/errors.js";
import { RANGE_RETRY, retryPolicy } from "../api/retry-policy.js";
import { byteBudgetOf } from "./bandwidth.js";
import type { TransferClient } from "./client.js";
import type { DownloadFileOptions } from "./download.js";
import type { DownloadPlan } from "./download-plan.js";
import { JournalWriter } from "./download-resume.js";
import { runWorkers } from "./download-schedule.js";
import { runSegment, type SegmentSink } from "./download-segment.js";
import { DEFAULT_STALL_MS, NETWORK_HINT } from "./fetch-range.js";
import { createFrontierHash, type FrontierHash } from "./frontier-hash.js";
import { PaceMeter } from "./pace-meter.js";
import { ProgressReporter } from "./progress.js";
import {
  addRange,
  type ByteRange,
  contiguousEnd,
  coveredBytes,
  MAX_SEGMENT_BYTES,
  MIN_SEGMENT_BYTES,
  missingRanges,
} from "./segments.js";
import { type TokenSource, tokenSourceFor } from "./token-source.js";

/** spec §2.1: at most 30 simultaneous download connections per account. */
export const MAX_CONNECTIONS = 30;
/** Parallel Range requests per file unless told otherwise. */
export const DEFAULT_CONNECTIONS = 4;

/**
 * One download's fetching state. `open`, then `fetchMissing` (every missing byte, or an error), then the caller
 * finalizes (download-finalize.ts); `close` in every case.
 *
 * @example
 * const s = await DownloadSession.open(client, plan, completed, options);
 * try { await s.fetchMissing(); await finalizeDownload(s); } finally { await s.close(); }
 */
export class DownloadSession {
  fetchedBytes = 0;
  readonly resumedBytes: number;
  /** Stops every connection: the caller's signal, a failed connection, a full disk. */
  private readonly internal = new AbortController();
  private readonly onOuterAbort = () => this.internal.abort(this.options.signal?.reason);
  private readonly progress: ProgressReporter;
  private readonly journal: JournalWriter;
  private readonly tokens: TokenSource;
  private hasher: FrontierHash | undefined;
  private fatal: unknown;
  private closed = false;
  /** The frontier hasher, when the download is verified; started at once (a helper takes tens of ms). */
  readonly hasherReady: Promise<FrontierHash> | undefined;

  private constructor(
    private readonly client: TransferClient,
    readonly plan: DownloadPlan,
    private completed: ByteRange[],
    readonly fd: FileHandle,
    readonly options: DownloadFileOptions,
  ) {
    const warn = options.onWarning ?? (() => {});
    this.resumedBytes = coveredBytes(completed);
    options.signal?.addEventListener("abort", this.onOuterAbort, { once: true });
    this.progress = new ProgressReporter(
      "download",
      plan.filename,
      plan.size,
      options.onProgress,
      this.resumedBytes,
    );
    this.tokens = tokenSourceFor(client, plan.url, options.password);
    // The token request, the hasher's start-up and the .part set-up overlap instead of running one after
    // the other. A failure here shows when a connection asks for the token. No token at all when nothing is
    // missing (empty file, or a resume that had every byte).
    if (this.resumedBytes < plan.size) this.tokens.get().catch(() => {});
    this.hasherReady = this.startHasher();
    const identity = {
      version: 1 as const,
      url: plan.url,
      filename: plan.filename,
      size: plan.size,
      checksum: plan.expected,
    };
    this.journal = new JournalWriter(
      fd,
      plan.work,
      identity,
      () => this.completed,
      warn,
      (e) => this.internal.abort(e),
    );
    if ((options.verify ?? true) && !plan.expected) {
      warn(`${plan.filename}: 1fichier gave no checksum, the download is not verified`);
    }
  }

  /**
   * Opens the .part: the one an earlier run left when resuming, else a new one made with O_EXCL (the working
   * files are claimed, so nothing else may have made it).
   *
   * @example
   * const s = await DownloadSession.open(client, plan, [], options);
   */
  static async open(
    client: TransferClient,
    plan: DownloadPlan,
    completed: ByteRange[],
    options: DownloadFileOptions,
  ): Promise<DownloadSession> {
    const fd = await open(plan.work.part, completed.length > 0 ? "r+" : "wx+");
    return new DownloadSession(client, plan, completed, fd, options);
  }

  private startHasher(): Promise<FrontierHash> | undefined {
    if (!(this.options.verify ?? true) || !this.plan.expected) return undefined;
    const ready = createFrontierHash(this.plan.work.part, this.fd, this.plan.size, () =>
      contiguousEnd(this.completed, 0),
    );
    ready.then(
      (h) => {
        this.hasher = h;
        // Catch up with whatever completed while the helper was starting.
        h.poke();
      },
      () => {},
    );
    return ready;
  }

  /**
   * Fetches every missing byte with the connections, journaling as it goes.
   *
   * @throws AbortedError (the journal saved for a resume), the first connection's error, LocalFileError
   */
  async fetchMissing(): Promise<void> {
    const { plan, options } = this;
    options.onProgress?.({
      type: "start",
      direction: "download",
      file: plan.filename,
      size: plan.size,
      resumedBytes: this.resumedBytes,
    });
    await this.fd.truncate(plan.size);
    if (this.completed.length === 0) await this.journal.flush();
    this.hasher?.poke();
    const timer = setInterval(() => this.journal.periodic(), options.journalIntervalMs ?? 1000);
    try {
      await runWorkers(this.schedule(), (e) => {
        this.fatal ??= e;
        this.internal.abort(e);
      });
    } finally {
      clearInterval(timer);
    }
    await this.stop();
    this.progress.finish();
  }

  private schedule() {
    const { options } = this;
    const connections = Math.min(
      MAX_CONNECTIONS,
      Math.max(1, Math.floor(options.connections ?? DEFAULT_CONNECTIONS)),
    );
    const sink = this.sink();
    return {
      connections,
      // Missing bytes in file order; workers take guided pieces from the front (segments.ts takePiece).
      pending: missingRanges(this.plan.size, this.completed),
      minSegment: options.minSegmentBytes ?? MIN_SEGMENT_BYTES,
      maxSegment: options.maxSegmentBytes ?? MAX_SEGMENT_BYTES,
      inOrder: this.hasherReady !== undefined,
      pace: sink.pace,
      signal: this.internal.signal,
      run: (seg: Parameters<typeof runSegment>[1]) => runSegment(sink, seg),
    };
  }

  private sink(): SegmentSink {
    const { plan, options } = this;
    // One budget for every connection of the download (or of the run, when the caller passes one).
    const budget = byteBudgetOf(options.bwlimit);
    return {
      fd: this.fd,
      part: plan.work.part,
      pace: new PaceMeter(),
      fetch: {
        client: this.client,
        tokens: this.tokens,
        file: plan.filename,
        signal: this.internal.signal,
        stallMs: options.stallMs ?? DEFAULT_STALL_MS,
        policy: retryPolicy(RANGE_RETRY, { attempts: options.attempts }),
        ...(budget ? { budget } : {}),
      },
      markDone: (start, end) => {
        this.completed = addRange(this.completed, { start, end });
        this.fetchedBytes += end - start;
        this.progress.advance(end - start);
        this.hasher?.poke();
      },
      onRetry: (reason, attempt) =>
        options.onProgress?.({ type: "retry", direction: "download", file: plan.filename, reason, attempt }),
    };
  }

  /**
   * After the connections: complete, no last journal write (the rename comes next, and a journal that claims
   * less than is on disk only costs a rerun some bytes), but a periodic write still running must end before
   * the journal is removed. Interrupted or failed: every byte that made it is recorded, for the rerun.
   */
  private async stop(): Promise<void> {
    const aborted = this.options.signal?.aborted;
    this.fatal ??= this.journal.diskFull;
    const complete = coveredBytes(this.completed) === this.plan.size;
    if (complete && !this.fatal && !aborted) await this.journal.settled();
    else await this.journal.flush();
    if (aborted) throw new AbortedError("download interrupted: run the same command again to resume");
    if (this.fatal) throw this.fatal;
    if (!complete) {
      throw new NetworkError(
        `${this.plan.filename}: download incomplete (${coveredBytes(this.completed)} of ${this.plan.size} bytes)`,
        { hint: NETWORK_HINT },
      );
    }
  }

  /** Closes the .part (once). */
  async closeFile(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fd.close();
  }

  /** Releases everything the session holds; safe after any outcome. */
  async close(): Promise<void> {
    this.options.signal?.removeEventListener("abort", this.onOuterAbort);
    await this.hasherReady?.then(
      (h) => h.close(),
      () => {},
    );
    await this.closeFile().catch(() => {});
  }
}
