/**
 * Reading a file of the account for `fichier serve`: Range requests on a download token URL, through the
 * transfer layer's one way of fetching bytes (`streamFile` over fetch-range.ts). Each file keeps its token
 * source while the server runs, so a player seeking through a film makes one `get_token` call per token
 * lifetime, not one per seek; an expired or used-up token (410) is refreshed for every reader of the file
 * without the player noticing. The bytes are streamed with back-pressure: never the whole file in memory,
 * never a temporary copy.
 */
import { Readable } from "node:stream";
import type { TransferClient } from "../../transfer/client.js";
import { streamFile } from "../../transfer/stream.js";
import { type TokenSource, tokenSourceFor } from "../../transfer/token-source.js";
import type { ByteRange, Entry } from "../backend.js";
import { toBackendError } from "./errors.js";

/** Files whose token source is kept at once (the least recently read is dropped past it). */
const KEPT_FILES = 256;
/**
 * A source is renewed after this many fresh tokens: TokenSource gives up after 50 in its life (a server that
 * keeps refusing), and a file read for days legitimately needs one every 30 minutes.
 */
const RENEW_AFTER_REFRESHES = 20;
/** Bytes a read stream buffers ahead of a slow client. */
const READ_BUFFER = 256 * 1024;

/**
 * The readers of one server: a token source per file (by URL), shared by every request for that file.
 *
 * @example
 * const reader = new AccountReader(client);
 * const body = await reader.read(entry, { start: 0, end: 1023 }, signal);
 */
export class AccountReader {
  private readonly sources = new Map<string, TokenSource>();

  constructor(private readonly client: TransferClient) {}

  /**
   * The bytes of `entry` (whose `ref` is the file URL), all or `range` (inclusive). The token is asked for
   * before the stream is returned, so a refusal (the file gone, a password) becomes a status, not a cut body.
   *
   * @throws BackendError not-found, forbidden, busy, upstream
   * @example
   * const body = await reader.read(entry, { start: 0, end: 1023 }, signal);
   */
  async read(entry: Entry, range: ByteRange | undefined, signal: AbortSignal): Promise<Readable> {
    const url = entry.ref;
    if (url === undefined) throw new Error(`${entry.path}: a file entry without its URL`);
    const tokens = this.sourceOf(url);
    try {
      await tokens.get();
    } catch (e) {
      this.sources.delete(url);
      throw toBackendError(e, entry.path);
    }
    const chunks = streamFile(this.client, {
      url,
      name: entry.path,
      size: entry.size,
      ...(range ? { range: { start: range.start, end: range.end + 1 } } : {}),
      signal,
      tokens,
    });
    return Readable.from(chunks, { objectMode: false, highWaterMark: READ_BUFFER });
  }

  /**
   * Forgets a file's token (it was removed or replaced).
   * @example
   * reader.forget(url);
   */
  forget(url: string): void {
    this.sources.delete(url);
  }

  /** The file's token source, most recently used last (a Map keeps insertion order). */
  private sourceOf(url: string): TokenSource {
    let source = this.sources.get(url);
    this.sources.delete(url);
    if (!source || source.refreshes >= RENEW_AFTER_REFRESHES) source = tokenSourceFor(this.client, url);
    this.sources.set(url, source);
    if (this.sources.size > KEPT_FILES) {
      const oldest = this.sources.keys().next().value;
      if (oldest !== undefined) this.sources.delete(oldest);
    }
    return source;
  }
}
