/**
 * What `fichier serve` needs from the storage behind it, in path terms relative to the served root. The WebDAV
 * and HTTP layers (src/serve/webdav, src/serve/http) know nothing else: no 1fichier call, no key, no URL. The
 * memory backend (memory-backend.ts) implements this for tests and `fichier serve webdav :memory:`; the account
 * backend (over the remote index, the client and the transfer layer) implements it next.
 *
 * Paths are always normalised by the layer before they reach a backend: `/` for the root, otherwise `/a/b` with
 * no trailing slash, each segment a decoded, non-empty name with no `/`, no NUL or control character and never
 * `.` or `..` (src/serve/paths.ts). A backend may refuse a name its storage cannot hold (`forbidden`).
 */
import type { Readable } from "node:stream";

/** A file or a folder as the layer shows it. */
export interface Entry {
  /** `/` for the root, else `/a/b` (see the module comment). */
  path: string;
  /** The last segment of `path`; `""` for the root. */
  name: string;
  kind: "file" | "folder";
  /** Bytes; 0 for a folder. */
  size: number;
  /** Last change (1fichier: the upload date). */
  modified: Date;
  /**
   * A value that changes whenever the content does (on 1fichier the Whirlpool; the memory backend a SHA-256),
   * made into a strong ETag by the layer. Absent: the layer makes a weak ETag from size and date.
   */
  etag?: string;
  /**
   * Opaque to the layer, handed back to {@link ServeBackend.read}: whatever the backend needs to fetch the bytes
   * again without resolving the path (the 1fichier file URL, say). Never shown to a client.
   */
  ref?: string;
}

/** An inclusive byte range of a file, already checked against its size by the layer (`0 <= start <= end < size`). */
export interface ByteRange {
  start: number;
  end: number;
}

/** Options of {@link ServeBackend.write}. */
export interface WriteOptions {
  /**
   * The exact number of bytes `body` delivers (a request's `Content-Length`, or `X-Expected-Entity-Length` for
   * a chunked one). The layer errors `body` if the client sends fewer or more, so a backend that sees `body` end
   * normally has received exactly `size` bytes. Always at least 1: the layer never asks to store an empty file.
   */
  size: number;
  /** Aborted when the client goes away or the server stops: nothing of the write may stay visible. */
  signal: AbortSignal;
}

/** Options of {@link ServeBackend.move} and {@link ServeBackend.copy}. */
export interface TransferOptions {
  /**
   * When `to` exists: true replaces it (afterwards `to` is exactly what `from` was, files and folders alike,
   * nothing merged), false fails with `exists`. A backend must not delete the old `to` before the new one is
   * in place (copy or move under another name first, then swap), so a failure midway loses nothing.
   */
  overwrite: boolean;
}

/**
 * The storage behind `fichier serve`. Every method either resolves or throws a {@link BackendError}; any other
 * error is reported to the client as 500 without its message (and logged, redacted).
 *
 * Guarantees the layer gives a backend: paths are normalised (module comment); `move`/`copy` never get `to`
 * equal to or inside `from`; `write` never gets a size of 0; `read` gets the entry `stat` or `list` returned
 * (possibly a little old: the backend refreshes what it must, e.g. an expired download token).
 */
export interface ServeBackend {
  /** The entry at `path`. Throws `not-found`. */
  stat(path: string): Promise<Entry>;
  /** The children of the folder at `path`, in any order. Throws `not-found`, or `conflict` when it is a file. */
  list(path: string): Promise<Entry[]>;
  /**
   * The bytes of a file, all of them or `range`, as a stream that ends after the last byte. Streamed: never the
   * whole file in memory, never a temporary copy. The stream is destroyed early when the client goes away
   * (`signal` aborts too); it must then release what it holds (a download connection).
   */
  read(entry: Entry, range: ByteRange | undefined, signal: AbortSignal): Promise<Readable>;
  /**
   * Stores `body` as the file at `path`, replacing a file already there only once the new one is complete and
   * verified. Nothing half-stored shows up, whatever happens to `body`. A client's retry of the same PUT (same
   * path and size) must not make a second copy: the backend finds its finished upload. Throws `conflict` when
   * the parent folder is missing or `path` is a folder, `insufficient-storage`, `forbidden` (a name the
   * storage refuses), `busy`.
   */
  write(path: string, body: Readable, options: WriteOptions): Promise<Entry>;
  /** Creates the folder at `path`. Throws `exists`, or `conflict` when the parent is missing or a file. */
  mkdir(path: string): Promise<Entry>;
  /** Deletes the file, or the folder and everything in it, at `path`. Throws `not-found`. */
  remove(path: string): Promise<void>;
  /** Moves (renames) a file or a folder on the server side. Throws `not-found`, `exists`, `conflict`. */
  move(from: string, to: string, options: TransferOptions): Promise<void>;
  /** Copies a file or a whole folder on the server side. Throws `not-found`, `exists`, `conflict`. */
  copy(from: string, to: string, options: TransferOptions): Promise<void>;
  /** Releases what the backend holds (connections, journals), once the server has stopped. */
  close?(): Promise<void>;
}

/**
 * Why a backend call failed. The layer maps each kind to one HTTP status in one place (src/serve/status.ts):
 * `not-found` 404, `exists` 405 for MKCOL and 412 for MOVE/COPY, `conflict` 409, `forbidden` 403,
 * `insufficient-storage` 507, `busy` 503 with `Retry-After`, `upstream` 502.
 */
export type BackendErrorKind =
  | "not-found"
  | "exists"
  | "conflict"
  | "forbidden"
  | "insufficient-storage"
  | "busy"
  | "upstream";

/**
 * A typed backend failure. The message is shown to the client and logged: it names the cause for a person,
 * and never carries a secret (the backend has none to give away: no key, no token URL).
 *
 * @example
 * throw new BackendError("busy", "1fichier asks to wait (flood protection)", { retryAfterMs: 30_000 });
 */
export class BackendError extends Error {
  override readonly name = "BackendError";
  readonly kind: BackendErrorKind;
  /** With `busy`: when to try again, sent to the client as `Retry-After` (seconds, rounded up). */
  readonly retryAfterMs: number | undefined;
  constructor(kind: BackendErrorKind, message: string, options: { retryAfterMs?: number } = {}) {
    super(message);
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * True when `e` is a {@link BackendError}, of `kind` when given (by name, so two loaded copies still agree).
 *
 * @example
 * if (isBackendError(e, "not-found")) return undefined;
 */
export function isBackendError(e: unknown, kind?: BackendErrorKind): e is BackendError {
  if (typeof e !== "object" || e === null || (e as { name?: unknown }).name !== "BackendError") return false;
  return kind === undefined || (e as BackendError).kind === kind;
}
