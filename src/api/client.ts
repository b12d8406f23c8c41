// createClient: the typed 1fichier client. Endpoint groups describe requests; the governor paces and
// retries them; the transport decodes API calls; every byte goes through the one HTTP exchange (http.ts).
import type { Dispatcher } from "undici";
import { keyFingerprint } from "./budget-store.js";
import type { CallOptions, ClientContext } from "./context.js";
import { parseWith } from "./context.js";
import { DEFAULT_API_URL, DEFAULT_WEB_URL } from "./defaults.js";
import { type FilesApi, filesApi } from "./endpoints/files.js";
import { type FoldersApi, foldersApi } from "./endpoints/folders.js";
import {
  type DownloadApi,
  downloadApi,
  type FtpApi,
  ftpApi,
  type RemoteApi,
  remoteApi,
  type UserApi,
  userApi,
  type VouchersApi,
  vouchersApi,
} from "./endpoints/misc.js";
import { type PathsApi, pathsApi } from "./endpoints/paths.js";
import { type UploadApi, uploadApi } from "./endpoints/upload.js";
import {
  type HttpApi,
  httpApi,
  type LinksApi,
  linksApi,
  type SharesApi,
  sharesApi,
} from "./endpoints/web.js";
import { AuthError } from "./errors.js";
import { Governor, type GovernorOptions } from "./governor.js";
import { HttpExchange } from "./http.js";
import { Observers, observeUploads } from "./observers.js";
import { MAX_TIMER_MS } from "./retry-policy.js";
import { Transport } from "./transport.js";
import type { ClientEvent, ClientObserver } from "./types.js";

export type { FilesApi } from "./endpoints/files.js";
export type { FoldersApi } from "./endpoints/folders.js";
export type { DownloadApi, FtpApi, RemoteApi, UserApi, VouchersApi } from "./endpoints/misc.js";
export type { PathsApi } from "./endpoints/paths.js";
export type { UploadApi } from "./endpoints/upload.js";
export type { HttpApi, LinksApi, SharesApi } from "./endpoints/web.js";
export type { Clock, GovernorOptions, GovernorSnapshot } from "./governor.js";
export { Governor } from "./governor.js";
export type * from "./types.js";

export { DEFAULT_API_URL, DEFAULT_WEB_URL };

/** Options of `createClient`. */
export interface ClientOptions {
  apiKey: string;
  /** Default `https://api.1fichier.com/v1`; the upload scheme follows it. */
  apiUrl?: string;
  /**
   * Website base for `/dir/` and `check_links.pl`: default `https://1fichier.com` when `apiUrl` is the
   * default, else the origin of `apiUrl` (so the emulator needs no extra option).
   */
  webUrl?: string;
  /** Default `fichier/<version>`. */
  userAgent?: string;
  /** Pacing options, a shared Governor instance, or `false` for none (tests of the raw layer only). */
  governor?: GovernorOptions | Governor | false;
  /** Aborts every call of this client. */
  signal?: AbortSignal;
  /** Proxy URL; else HTTPS_PROXY/HTTP_PROXY/NO_PROXY. TLS verification is always on. */
  proxy?: string;
  /** Governor waits ("waiting 12 s: rate limit"), retries, flood locks. */
  onEvent?: (e: ClientEvent) => void;
  /** HTTP trace for --debug, already redacted (no key, no passwords, no token URLs). */
  trace?: (line: string) => void;
  /** Idle timeout of every request: headers, and between two body chunks; default 60 000 ms. */
  timeoutMs?: number;
  /**
   * Overall deadline of one API call or website read, headers and body together (an answer trickling in
   * byte by byte ends here); default 60 000 ms, 0 for none. Transfers are not bound by it.
   */
  deadlineMs?: number;
  /** Custom undici dispatcher (advanced; replaces the proxy logic; `close()` leaves it open). */
  dispatcher?: Dispatcher;
  /**
   * Told of every listing and every change this client makes, after the service accepted it (the remote index
   * feeds on it: docs/index.md). The same as calling `client.observe(observer)` at once.
   */
  observer?: ClientObserver;
}

/** The client returned by `createClient`. */
export interface FichierClient {
  user: UserApi;
  files: FilesApi;
  folders: FoldersApi;
  download: DownloadApi;
  upload: UploadApi;
  remote: RemoteApi;
  ftp: FtpApi;
  vouchers: VouchersApi;
  shares: SharesApi;
  links: LinksApi;
  paths: PathsApi;
  http: HttpApi;
  /** The governor pacing this client (undefined with `governor: false`). */
  governor: Governor | undefined;
  apiUrl: string;
  webUrl: string;
  /** A non-reversible fingerprint of the API key (never the key), naming per-account state files. */
  keyFingerprint: string;
  /**
   * Adds an observer of this client's listings and changes (see `ClientOptions.observer`); returns the function
   * that removes it.
   * @example
   * ```ts
   * const off = client.observe({ listed: (l) => console.log(l.folderId), changed: (c) => console.log(c.type) });
   * ```
   */
  observe(observer: ClientObserver): () => void;
  /**
   * Closes the connections this client opened (its own dispatcher only).
   * @example
   * ```ts
   * await client.close();
   * ```
   */
  close(): Promise<void>;
}

/** spec §1.7: 32 characters `[A-Za-z0-9_=-]` is a heuristic; we only refuse what cannot be a key. */
function checkKey(apiKey: string): void {
  if (
    typeof apiKey !== "string" ||
    apiKey.trim() === "" ||
    [...apiKey].some((c) => c.charCodeAt(0) <= 0x20 || c === "\u007f")
  ) {
    throw new AuthError(
      "No usable API key was given (it is empty or contains spaces or control characters).",
    );
  }
}

/** A duration option must fit a Node timer: a larger one would fire at once. */
function checkDuration(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    throw new RangeError(`${name} must be a number of milliseconds from 0 to ${MAX_TIMER_MS}, not ${value}`);
  }
}

/** The client's governor: a shared one, a new one from its options, or none (`governor: false`). */
function governorOf(options: ClientOptions, apiUrl: string): Governor | undefined {
  if (options.governor instanceof Governor) return options.governor;
  if (options.governor === false) return undefined;
  return new Governor({ service: apiUrl, ...options.governor }, options.apiKey);
}

/** The client's one HTTP exchange, from its options. */
function exchangeOf(options: ClientOptions, apiUrl: string, now: () => number): HttpExchange {
  checkDuration("timeoutMs", options.timeoutMs);
  checkDuration("deadlineMs", options.deadlineMs);
  return new HttpExchange({
    apiUrl,
    apiKey: options.apiKey,
    now,
    ...(options.userAgent !== undefined ? { userAgent: options.userAgent } : {}),
    ...(options.proxy ? { proxy: options.proxy } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.trace ? { trace: options.trace } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
  });
}

/**
 * Creates a 1fichier client. All methods are async and return camelCase results; names are encoded for
 * 1fichier on the way out and decoded on the way in.
 *
 * @example
 * ```ts
 * import { createClient } from "fichier";
 * const client = createClient({ apiKey: process.env.FICHIER_API_KEY!, onEvent: (e) => console.error(e.message) });
 * const id = await client.paths.resolveFolder("/backups/2026", { create: true });
 * for (const f of await client.files.list({ folderId: id })) console.log(f.filename, f.size);
 * ```
 */
export function createClient(options: ClientOptions): FichierClient {
  checkKey(options.apiKey);
  const apiUrl = (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, "");
  const parsedApi = new URL(apiUrl);
  const webUrl = (
    options.webUrl ?? (apiUrl === DEFAULT_API_URL ? DEFAULT_WEB_URL : parsedApi.origin)
  ).replace(/\/+$/, "");
  const governor = governorOf(options, apiUrl);
  let offEvents: (() => void) | undefined;
  if (governor && options.onEvent) offEvents = governor.on(options.onEvent);
  // One clock for the governor's waits and the lock ends read from answers (a test's virtual clock, or real time).
  const now = governor ? () => governor.now() : () => Date.now();
  const http = exchangeOf(options, apiUrl, now);
  const transport = new Transport(http);

  const combine = (own?: AbortSignal): AbortSignal | undefined => {
    if (own && options.signal) return AbortSignal.any([own, options.signal]);
    return own ?? options.signal;
  };

  const observers = new Observers(options.observer);
  const ctx: ClientContext = {
    async call(endpoint, body, schema, opts: CallOptions = {}) {
      const signal = combine(opts.signal);
      const send = () => {
        opts.onSent?.(now());
        return transport.call(endpoint, body, {
          ...(signal ? { signal } : {}),
          ...(opts.method ? { method: opts.method } : {}),
          ...(opts.auth !== undefined ? { auth: opts.auth } : {}),
          ...(opts.tokenFields ? { tokenFields: opts.tokenFields } : {}),
        });
      };
      const raw = governor
        ? await governor.run(
            {
              endpoint,
              ...(body ? { body } : {}),
              cache: opts.cache ?? false,
              fresh: opts.fresh ?? false,
              idempotent: opts.idempotent ?? true,
              ...(signal ? { signal } : {}),
            },
            // Cache the validated value, so a cache hit skips parsing too.
            async () => parseWith(schema, await send(), endpoint),
          )
        : parseWith(schema, await send(), endpoint);
      return raw;
    },
    http,
    governor,
    apiUrl,
    webUrl,
    scheme: parsedApi.protocol,
    now,
    signal: combine,
    mutated() {
      // Listing caches are dropped by the client's own changes (docs/client.md, "Caches"); the observers
      // (the paths resolver's index among them) are told what changed by the endpoint groups.
      governor?.invalidate("listings");
    },
  };

  const files = filesApi(ctx, observers);
  const folders = foldersApi(ctx, observers);
  const observe = (o: ClientObserver) => observers.add(o);
  const paths = pathsApi({ folders, files, observe, now, onEvent: options.onEvent });
  return {
    user: userApi(ctx),
    files,
    folders,
    download: downloadApi(ctx),
    upload: observeUploads(uploadApi(ctx), observers, now),
    remote: remoteApi(ctx),
    ftp: ftpApi(ctx),
    vouchers: vouchersApi(ctx),
    shares: sharesApi(ctx),
    links: linksApi(ctx),
    paths,
    http: httpApi(ctx),
    governor,
    apiUrl,
    webUrl,
    keyFingerprint: keyFingerprint(options.apiKey),
    observe,
    async close() {
      offEvents?.();
      await http.close();
    },
  };
}
